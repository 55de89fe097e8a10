// npm run bench:table [-- results.json] : prints the Markdown tables of a results file (the newest in
// bench/results/ by default), as `npm run bench` prints them at its end, without running anything again.
import { readdirSync, readFileSync } from 'node:fs';
import { formatObservability, formatSoak, formatTable, summarize, type Results } from './lib/report.js';

const resultsDir = new URL('../../bench/results/', import.meta.url);
const input = process.argv[2] ?? newest();

function newest(): string {
  const files = readdirSync(resultsDir).filter((name) => name.endsWith('.json')).sort();
  const last = files.at(-1);
  if (last === undefined) throw new Error('no results in bench/results/; run "npm run bench" first');
  return new URL(last, resultsDir).pathname;
}

const results = JSON.parse(readFileSync(input, 'utf8')) as Results;
console.log(`${results.command} at ${String(results.machine['commit'])}, ${results.startedAt}; medians of ${String(results.settings['rounds'])} interleaved rounds (${input})\n`);
console.log(formatTable(summarize(results)));
for (const table of [formatObservability(results), formatSoak(results)]) if (table !== '') console.log(`\n${table}`);
