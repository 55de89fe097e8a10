// npm run bench:chart [-- results.json] : draws docs/bench-chart.svg from a results file
// (the newest in bench/results/ by default), so the chart is never drawn by hand.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { System } from './load/bench-client.js';
import { summarize, type Results, type Row } from './lib/report.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
const resultsDir = new URL('../../bench/results/', import.meta.url);
const input = positionals[0] ?? newest();
const output = values.out ?? new URL('../../docs/bench-chart.svg', import.meta.url).pathname;

function newest(): string {
  const files = readdirSync(resultsDir).filter((name) => name.endsWith('.json')).sort();
  const last = files.at(-1);
  if (last === undefined) throw new Error('no results in bench/results/; run "npm run bench" first');
  return new URL(last, resultsDir).pathname;
}

const systems: readonly { system: System; label: string; color: string }[] = [
  { system: 'raw-echo', label: 'raw ws echo', color: '#9aa5b1' },
  { system: 'raw-dispatch', label: 'raw ws dispatch', color: '#52606d' },
  { system: 'socket-io', label: 'Socket.IO 4', color: '#e5a03b' },
  { system: 'switchyard', label: 'Switchyard', color: '#2f80ed' },
];

const results = JSON.parse(readFileSync(input, 'utf8')) as Results;
const rows = summarize(results).filter((row) => row.medians[row.baseline] !== undefined);

const width = 760;
const labelWidth = 250;
const barHeight = 13;
const plotWidth = width - labelWidth - 70;
const groupGap = 14;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function group(row: Row, top: number): { svg: string; height: number } {
  const base = row.medians[row.baseline] as number;
  const present = systems.filter(({ system }) => row.medians[system] !== undefined);
  const ratios = present.map(({ system }) => (row.medians[system] as number) / base);
  const scale = plotWidth / Math.max(2, ...ratios);
  const parts = [`<text x="0" y="${top + 11}" class="label">${escape(row.label)}</text>`];
  parts.push(`<text x="0" y="${top + 25}" class="note">${escape(`${row.unit}, relative to ${row.baseline}${row.target ? `; target ${row.target}` : ''}`)}</text>`);
  present.forEach(({ system, color }, i) => {
    const ratio = ratios[i] as number;
    const y = top + i * (barHeight + 2);
    const value = row.medians[system] as number;
    parts.push(`<rect x="${labelWidth}" y="${y}" width="${Math.max(1, ratio * scale).toFixed(1)}" height="${barHeight}" fill="${color}"/>`);
    parts.push(`<text x="${(labelWidth + ratio * scale + 4).toFixed(1)}" y="${y + 10}" class="value">${ratio.toFixed(2)}x (${formatValue(value)})</text>`);
  });
  const height = Math.max(30, present.length * (barHeight + 2));
  parts.push(`<line x1="${labelWidth + scale}" x2="${labelWidth + scale}" y1="${top - 2}" y2="${top + height}" class="one"/>`);
  return { svg: parts.join('\n'), height };
}

function formatValue(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(value >= 10 ? 1 : 2);
}

let y = 46;
const body: string[] = [];
for (const row of rows) {
  const { svg, height } = group(row, y);
  body.push(svg);
  y += height + groupGap;
}
const legend = systems
  .map(({ label, color }, i) => `<rect x="${i * 150}" y="22" width="12" height="12" fill="${color}"/><text x="${i * 150 + 16}" y="32" class="value">${label}</text>`)
  .join('\n');
const machine = results.machine;
const title = `Switchyard bench: medians of ${String(results.settings['rounds'])} interleaved rounds (lower is better except throughput)`;
const footer = `${String(machine['cpu'])}, ${String(machine['cores'])} cores shared by clients and servers, Node ${String(machine['node'])}; ${results.command}; ${results.startedAt.slice(0, 10)}`;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 24}" viewBox="0 0 ${width} ${y + 24}" font-family="system-ui, sans-serif">
<style>.label{font-size:12px;fill:#1f2933}.note{font-size:10px;fill:#616e7c}.value{font-size:10px;fill:#1f2933}.one{stroke:#1f2933;stroke-dasharray:3 2}</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="0" y="14" class="label" font-weight="bold">${escape(title)}</text>
${legend}
${body.join('\n')}
<text x="0" y="${y + 12}" class="note">${escape(footer)}</text>
</svg>
`;
writeFileSync(output, svg);
console.log(`${output} (from ${input})`);
