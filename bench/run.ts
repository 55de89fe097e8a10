// npm run bench [-- --quick] [--rounds 3] [--duration 5] ...
// Runs every system in the same run, interleaved round by round, each server
// in its own process and the load generator in another, all on 127.0.0.1.
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { SYSTEMS, type System } from './load/bench-client.js';
import { formatObservability, formatSoak, formatTable, summarize, type Results, type Trial } from './lib/report.js';
import { TELEMETRY_MODES } from './servers/telemetry-mode.js';
import { runRecoveryBench } from './recovery-scenario.js';
import { fanout, idleMemory, openFileLimit, requestReply, soak, type Metrics, type Settings } from './scenarios.js';
import { runHttpBench } from './http/http-bench.js';
import { connectionStorm } from './storm-scenarios.js';

const SCENARIOS = ['request-reply', 'latency', 'fanout', 'storm', 'idle-memory', 'soak', 'observability', 'http', 'recovery'] as const;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    'idle-connections': { type: 'string' },
    'fanout-members': { type: 'string' },
    'fanout-publishes': { type: 'string' },
    'storm-connections': { type: 'string' },
    'soak-connections': { type: 'string' },
    'soak-seconds': { type: 'string' },
    'heartbeat-ms': { type: 'string' },
    only: { type: 'string' },
    systems: { type: 'string' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (flags.help) {
  console.log(`usage: npm run bench -- [options]
  --quick                 short windows and small counts (about six minutes on 2 shared cores)
  --rounds N              interleaved rounds per scenario (default 5, at least 5 for a report)
  --warmup S              seconds of load before each measured window (default 1)
  --duration S            seconds per measured window (default 5)
  --idle-connections N    idle clients for the memory scenario (default 5000)
  --fanout-members A,B    room sizes for fan-out (default 1000,10000)
  --fanout-publishes N    publishes per fan-out trial (default 5)
  --storm-connections N   clients opening at once in the connection storms (default 10000)
  --soak-connections N    connections held by one Switchyard process (default 20000)
  --soak-seconds S        how long the soak holds them (default 30)
  --heartbeat-ms MS       heartbeat interval during the soak (default 5000)
  --only LIST             scenarios: ${SCENARIOS.join(',')}
  --systems LIST          systems: ${SYSTEMS.join(',')}
  --profile               write a CPU profile of each Switchyard server to bench/profiles/
  --out FILE              results file (default bench/results/<date>.json)`);
  process.exit(0);
}

const quick = flags.quick;
const numberFlag = (name: keyof typeof flags, fallback: number): number => {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`--${name} must be a non-negative number, got "${String(raw)}"`);
  return value;
};
const listFlag = <T extends string>(name: 'only' | 'systems', allowed: readonly T[]): T[] => {
  const raw = flags[name];
  if (raw === undefined) return [...allowed];
  const list = raw.split(',').map((item) => item.trim());
  for (const item of list) if (!allowed.includes(item as T)) throw new TypeError(`--${name}: unknown "${item}" (choose from ${allowed.join(', ')})`);
  return list as T[];
};

const rounds = numberFlag('rounds', 5);
const settings: Settings = {
  warmupMs: numberFlag('warmup', quick ? 0.5 : 1) * 1000,
  durationMs: numberFlag('duration', quick ? 2 : 5) * 1000,
  idleConnections: numberFlag('idle-connections', quick ? 1000 : 5000),
  fanoutMembers: (flags['fanout-members'] ?? (quick ? '1000' : '1000,10000')).split(',').map(Number),
  fanoutPublishes: numberFlag('fanout-publishes', quick ? 3 : 5),
  soakConnections: numberFlag('soak-connections', quick ? 2000 : 20_000),
  soakSeconds: numberFlag('soak-seconds', quick ? 5 : 30),
  heartbeatMs: numberFlag('heartbeat-ms', quick ? 1000 : 5000),
  profile: flags.profile,
};
const scenarios = listFlag('only', SCENARIOS);
const systems = listFlag('systems', SYSTEMS);

const trials: Trial[] = [];
const startedAt = new Date();
// Read now: the checkout may move while a long run goes on.
const commit = gitCommit();

async function trial(scenario: string, system: System, round: number, run: () => Promise<Metrics>): Promise<void> {
  process.stdout.write(`  ${scenario.padEnd(20)} ${system.padEnd(13)} round ${round} ... `);
  try {
    const metrics = await run();
    trials.push({ scenario, system, round, metrics });
    console.log(summaryOf(metrics));
  } catch (error) {
    trials.push({ scenario, system, round, metrics: { failed: true, error: String(error) } });
    console.log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function summaryOf(metrics: Metrics): string {
  return Object.entries(metrics)
    .map(([key, value]) => `${key}=${typeof value === 'number' ? +value.toFixed(2) : String(value)}`)
    .join(' ');
}

/** Runs `run` for every system, round after round: A B C A B C ... */
async function interleaved(scenario: string, eligible: readonly System[], run: (system: System) => Promise<Metrics>): Promise<void> {
  console.log(`\n${scenario}`);
  for (let round = 1; round <= rounds; round++) {
    for (const system of systems) if (eligible.includes(system)) await trial(scenario, system, round, () => run(system));
  }
}

const withRooms: readonly System[] = ['raw-dispatch', 'socket-io', 'switchyard'];

if (scenarios.includes('request-reply')) await interleaved('request-reply-50x10', SYSTEMS, (system) => requestReply(system, settings, 50, 10));
if (scenarios.includes('latency')) await interleaved('latency-1x1', SYSTEMS, (system) => requestReply(system, settings, 1, 1));
if (scenarios.includes('fanout')) {
  for (const members of settings.fanoutMembers) await interleaved(`fanout-${members}`, withRooms, (system) => fanout(system, settings, members));
}
if (scenarios.includes('storm')) {
  // Without authentication for every system, then Switchyard with an HS256 JWT per client: A B C D A B C D ...
  const count = numberFlag('storm-connections', quick ? 2000 : 10_000);
  console.log(`\nconnection-storm (${count.toLocaleString('en-US')} at once; -jwt: Switchyard verifying one HS256 token per client)`);
  for (let round = 1; round <= rounds; round++) {
    for (const system of systems) if (withRooms.includes(system)) await trial('connection-storm', system, round, () => connectionStorm(system, settings, count, false));
    if (systems.includes('switchyard')) await trial('connection-storm-jwt', 'switchyard', round, () => connectionStorm('switchyard', settings, count, true));
  }
}
if (scenarios.includes('http')) await runHttpBench(settings, rounds, (scenario, system, round, run) => trial(scenario, system as System, round, run));
if (scenarios.includes('idle-memory')) await interleaved('idle-memory', SYSTEMS, (system) => idleMemory(system, settings));
if (scenarios.includes('observability') && systems.includes('switchyard')) {
  // Switchyard alone, request/reply 50 x 10, with telemetry off, metrics on, and metrics and tracing on: A B C A B C ...
  console.log('\nobservability (request-reply-50x10)');
  for (let round = 1; round <= rounds; round++) {
    for (const mode of TELEMETRY_MODES) {
      await trial(`observability-${mode}`, 'switchyard', round, () => requestReply('switchyard', settings, 50, 10, ['--telemetry', mode]));
    }
  }
}
if (scenarios.includes('recovery') && systems.includes('switchyard')) await runRecoveryBench(settings, rounds, quick, (scenario, round, run) => trial(scenario, 'switchyard', round, run));
if (scenarios.includes('soak') && systems.includes('switchyard')) {
  console.log('\nsoak');
  // The server holds one descriptor per connection plus a few of its own.
  const limit = await openFileLimit();
  let connections = settings.soakConnections;
  if (limit < connections + 64) {
    connections = Math.max(0, limit - 64);
    console.log(
      `  NOTE: the open-file limit here is ${limit} (ulimit -n), too low for ${settings.soakConnections.toLocaleString('en-US')} connections in one process;` +
        ` the soak holds ${connections.toLocaleString('en-US')} instead. Raise "ulimit -n" above ${settings.soakConnections + 64} for the full count.`,
    );
  }
  await trial('soak', 'switchyard', 1, () => soak('switchyard', settings, connections));
}

const results: Results = {
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    openFileLimit: await openFileLimit(),
    commit,
  },
  settings: { rounds, ...settings, quick, scenarios, systems },
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  startedAt: startedAt.toISOString(),
  trials,
};

const outFile = flags.out ?? new URL(`../../bench/results/${startedAt.toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url).pathname;
mkdirSync(new URL('../../bench/results/', import.meta.url), { recursive: true });
writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);

console.log(`\nMedians of ${rounds} interleaved rounds; ratios are Switchyard (and Socket.IO) over the base column.\n`);
console.log(formatTable(summarize(results)));
const observabilityTable = formatObservability(results);
if (observabilityTable !== '') console.log(`\n${observabilityTable}`);
const soakTable = formatSoak(results);
if (soakTable !== '') console.log(`\n${soakTable}`);
console.log(`\nraw runs: ${outFile}`);
const failures = trials.filter((entry) => entry.metrics['failed'] === true).length;
if (failures > 0) {
  console.log(`${failures} trial(s) failed`);
  process.exitCode = 1;
}

function gitCommit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
