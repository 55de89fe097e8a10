// node dist/bench/profile-share.js bench/profiles/*.cpuprofile
// Where a server's busy CPU went, by the code that ran: Switchyard's bus and
// its telemetry, prom-client, OpenTelemetry, Node's async hooks (what the
// context manager costs). On a shared machine the end-to-end CPU per request
// moves with how the kernel batches writes; a profile's shares do not.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
}

const groups: ReadonlyArray<readonly [string, (url: string) => boolean]> = [
  ['switchyard telemetry', (url) => url.includes('/src/observability/')],
  ['switchyard bus', (url) => url.includes('/src/commands/')],
  ['prom-client', (url) => url.includes('/prom-client/')],
  ['@opentelemetry', (url) => url.includes('/@opentelemetry/')],
  ['node async hooks', (url) => url.includes('async_hooks')],
];

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node dist/bench/profile-share.js <file.cpuprofile>...');
  process.exit(1);
}
console.log(`| profile | busy samples | ${groups.map(([name]) => name).join(' | ')} |`);
console.log(`| --- | ---: | ${groups.map(() => '---:').join(' | ')} |`);
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Array<number>(groups.length).fill(0);
  let busy = 0;
  for (const id of profile.samples) {
    const frame = nodes.get(id)?.callFrame;
    if (frame === undefined || frame.functionName === '(idle)') continue;
    busy++;
    const group = groups.findIndex(([, test]) => test(frame.url));
    if (group !== -1) counts[group] = (counts[group] as number) + 1;
  }
  console.log(`| ${file.split('/').pop()} | ${busy} | ${counts.map((count) => `${((count / busy) * 100).toFixed(1)} %`).join(' | ')} |`);
}
