// The load generator: a process of its own that opens client connections and
// drives them on the runner's instructions.
import hdr from 'hdr-histogram-js';
import { serveParent } from '../lib/ipc.js';
import { connect, type BenchClient, type ClientCounters, type System } from './bench-client.js';
import { stormWith } from './storm-tokens.js';

const clients: BenchClient[] = [];
const counters: ClientCounters = { errors: 0, closed: 0, pings: 0 };
const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
let completed = 0;
let running = false;
let markedAt = performance.now();
const payloadText = 'hello from the load generator';

async function connectMany(args: { system: System; port: number; count: number; concurrency?: number }): Promise<{ connected: number; ms: number }> {
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < args.count) {
      next++;
      clients.push(await connect(args.system, args.port, counters));
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.concurrency ?? 100, args.count) }, worker));
  return { connected: clients.length, ms: performance.now() - started };
}

function startLoad(args: { inFlight: number }): void {
  running = true;
  for (const client of clients) {
    for (let i = 0; i < args.inFlight; i++) loop(client, i);
  }
}

function loop(client: BenchClient, n: number): void {
  if (!running) return;
  const sent = performance.now();
  client.request('echo', { n, text: payloadText }, () => {
    histogram.recordValue(Math.max(1, Math.round((performance.now() - sent) * 1000)));
    completed++;
    loop(client, n);
  });
}

/** Counts and latencies since the previous mark, then starts a new window. */
function mark(): Record<string, number> {
  const now = performance.now();
  const window = {
    completed,
    ms: now - markedAt,
    p50: histogram.getValueAtPercentile(50),
    p99: histogram.getValueAtPercentile(99),
    max: histogram.maxValue,
    mean: histogram.mean,
  };
  completed = 0;
  markedAt = now;
  histogram.reset();
  return window;
}

function request(client: BenchClient, type: string, payload: unknown): Promise<unknown> {
  return new Promise((resolve) => client.request(type, payload, resolve));
}

/** Puts the first `members` clients in `room`; the next client stays out to publish. */
async function join(args: { room: string; members: number }): Promise<void> {
  const members = clients.slice(0, args.members);
  for (let i = 0; i < members.length; i += 500) {
    await Promise.all(members.slice(i, i + 500).map((client) => request(client, 'room.join', { room: args.room })));
  }
}

/** Publishes `publishes` times; each time is until the last member has the event, in ms. */
async function fanout(args: { room: string; members: number; publishes: number }): Promise<number[]> {
  const publisher = clients[args.members];
  if (publisher === undefined) throw new Error('fan-out needs one client besides the members');
  const text = 'x'.repeat(100);
  const times: number[] = [];
  for (let seq = 1; seq <= args.publishes; seq++) {
    const elapsed = await new Promise<number>((resolve) => {
      let received = 0;
      const started = performance.now();
      const onEvent = (_type: string, payload: unknown): void => {
        if ((payload as { seq: number }).seq !== seq) return;
        if (++received === args.members) resolve(performance.now() - started);
      };
      for (let i = 0; i < args.members; i++) (clients[i] as BenchClient).onEvent = onEvent;
      publisher.request('fanout', { room: args.room, seq, text }, () => {});
    });
    times.push(elapsed);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return times;
}

serveParent({
  connect: connectMany,
  startLoad,
  stopLoad: () => void (running = false),
  mark,
  join,
  fanout,
  storm: stormWith,
  counters: () => ({ ...counters, open: clients.length - counters.closed }),
});
process.on('SIGTERM', () => process.exit(0));
