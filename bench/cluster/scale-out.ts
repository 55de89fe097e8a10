// Scale-out: 2, 4 and 6 nodes on one Redis, each with its own rooms (all
// members on that node) and a few rooms spanning every node. Each node's
// publishers send at a fixed rate, so the total traffic grows with the
// nodes; what a node pays should not, for its own rooms. Reports per node
// the backplane messages in and the CPU, and overall deliveries/s and
// latency, for Switchyard under interest routing, Switchyard under broadcast
// routing, and Socket.IO on @socket.io/redis-adapter's sharded adapter.
//
//   npm run bench:cluster                  (runs it after the fan-out)
//   node dist/bench/cluster/scale-out.js   (NODES=2,4,6 SECONDS=4 RATE=150 IDLE_RATE=1000)
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import * as hdr from 'hdr-histogram-js';
import { io as socketIoClient, type Socket } from 'socket.io-client';
import WebSocket from 'ws';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const NODE_COUNTS = (process.env['NODES'] ?? '2,4,6').split(',').map(Number);
const SECONDS = Number(process.env['SECONDS'] ?? 4);
/** Messages per second each node's publishers send in all (two publishers, under the 200/s per-connection budget). */
const RATE = Number(process.env['RATE'] ?? 150);
const LOCAL_ROOMS = 8;
const LOCAL_MEMBERS = 4;
const SPANNING_ROOMS = 2;
const SPANNING_MEMBERS_PER_NODE = 2;
/** Share of a publisher's messages that go to a spanning room. */
const SPANNING_SHARE = 0.1;
const TICKS_PER_SECOND = 100;
/** Messages per second into the busy room of the idle-node scenario. */
const IDLE_RATE = Number(process.env['IDLE_RATE'] ?? 1000);

interface Client {
  join(room: string): Promise<void>;
  say(room: string, sentAt: number): void;
  onMessage(listener: (sentAt: number) => void): void;
  stats(): Promise<number>;
  close(): void;
}

interface Side {
  readonly name: string;
  readonly script: string;
  readonly env: Record<string, string>;
  connect(port: number): Promise<Client>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

const now = (): number => performance.timeOrigin + performance.now();

function switchyardSide(routing: 'interest' | 'broadcast'): Side {
  return {
    name: `Switchyard (${routing})`,
    script: fileURLToPath(new URL('../../test/fixtures/redis-node.js', import.meta.url)),
    env: { ROUTING: routing },
    async connect(port) {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      await once(socket, 'message');
      let sequence = 0;
      const pending = new Map<string, (payload: unknown) => void>();
      const listeners: Array<(sentAt: number) => void> = [];
      socket.on('message', (raw: Buffer) => {
        const frame = JSON.parse(raw.toString()) as { kind: string; id?: string; payload?: { sentAt?: number } };
        if (frame.kind === 'event') for (const listener of listeners) listener(frame.payload?.sentAt ?? 0);
        else if (frame.id !== undefined) pending.get(frame.id)?.(frame.payload);
      });
      const call = (type: string, payload: unknown): Promise<unknown> =>
        new Promise((resolve) => {
          const id = String(++sequence);
          pending.set(id, resolve);
          socket.send(JSON.stringify({ type, id, payload }));
        });
      return {
        join: async (room) => void (await call('room.join', { room })),
        say: (room, sentAt) => socket.send(JSON.stringify({ type: 'room.say', payload: { room, text: 'x', sentAt } })),
        onMessage: (listener) => listeners.push(listener),
        // What arrived from Redis: other nodes' messages and this node's own, handed back.
        stats: async () => {
          const { received, echoed } = (await call('backplane.stats', {})) as { received: number; echoed: number };
          return received + echoed;
        },
        close: () => socket.close(),
      };
    },
  };
}

const socketIoSharded: Side = {
  name: 'Socket.IO (sharded redis-adapter)',
  script: fileURLToPath(new URL('./socketio-sharded-node.js', import.meta.url)),
  env: {},
  async connect(port) {
    const socket: Socket = socketIoClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    return {
      join: (room) => new Promise<void>((resolve) => socket.emit('join', room, resolve)),
      say: (room, sentAt) => socket.emit('say', { room, text: 'x', sentAt }),
      onMessage: (listener) => socket.on('message', (message: { sentAt: number }) => listener(message.sentAt)),
      stats: () => new Promise<number>((resolve) => socket.emit('stats', (stats: { received: number }) => resolve(stats.received))),
      close: () => socket.close(),
    };
  },
};

async function startNode(side: Side, prefix: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [side.script], {
    env: { ...process.env, ...side.env, REDIS_URL, KEY_PREFIX: prefix, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  for await (const line of createInterface({ input: child.stdout! })) {
    const report = JSON.parse(line) as { port?: number };
    if (report.port !== undefined) return { child, port: report.port };
  }
  throw new Error(`${side.script} exited before it was ready`);
}

/** CPU time a process has used, in seconds (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

interface Result {
  readonly publishedPerNode: number;
  readonly backplaneInPerNode: number;
  readonly cpuPerNode: number;
  readonly deliveries: number;
  readonly p50: number;
  readonly p99: number;
}

async function run(side: Side, nodeCount: number): Promise<Result> {
  const prefix = `bench:${randomBytes(4).toString('hex')}:`;
  const nodes = await Promise.all(Array.from({ length: nodeCount }, () => startNode(side, prefix)));
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let delivered = 0;
  let recording = false;
  const record = (sentAt: number): void => {
    if (!recording) return;
    delivered += 1;
    histogram.recordValue(Math.max(1, Math.round((now() - sentAt) * 1000)));
  };
  const clients: Client[] = [];
  const publishers: Array<{ client: Client; local: string[] }> = [];
  const probes: Client[] = [];
  for (const [index, node] of nodes.entries()) {
    const local = Array.from({ length: LOCAL_ROOMS }, (_, room) => `n${index}-r${room}`);
    for (const room of local) {
      for (let member = 0; member < LOCAL_MEMBERS; member += 1) {
        const client = await side.connect(node.port);
        client.onMessage(record);
        await client.join(room);
        clients.push(client);
      }
    }
    for (let room = 0; room < SPANNING_ROOMS; room += 1) {
      for (let member = 0; member < SPANNING_MEMBERS_PER_NODE; member += 1) {
        const client = await side.connect(node.port);
        client.onMessage(record);
        await client.join(`span-${room}`);
        clients.push(client);
      }
    }
    for (let which = 0; which < 2; which += 1) publishers.push({ client: await side.connect(node.port), local });
    const probe = await side.connect(node.port);
    probes.push(probe);
  }
  clients.push(...publishers.map((publisher) => publisher.client), ...probes);

  // Publishers send every 10 ms what the elapsed time owes (a late timer does not lower the rate); a warm-up second is not measured.
  const perMs = RATE / 2 / 1000;
  let owed = 0;
  let tick = 0;
  let sent = 0;
  let last = now();
  const timer = setInterval(() => {
    const at = now();
    owed += (at - last) * perMs;
    last = at;
    while (owed >= 1) {
      owed -= 1;
      for (const publisher of publishers) {
        tick += 1;
        const room = tick % Math.round(1 / SPANNING_SHARE) === 0 ? `span-${tick % SPANNING_ROOMS}` : publisher.local[tick % publisher.local.length]!;
        publisher.client.say(room, at);
        if (recording) sent += 1;
      }
    }
  }, 10);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const receivedBefore = await Promise.all(probes.map((probe) => probe.stats()));
  const cpuBefore = nodes.map((node) => cpuSeconds(node.child.pid!));
  recording = true;
  const started = now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  recording = false;
  const seconds = (now() - started) / 1000;
  const cpuAfter = nodes.map((node) => cpuSeconds(node.child.pid!));
  const receivedAfter = await Promise.all(probes.map((probe) => probe.stats()));
  clearInterval(timer);

  for (const client of clients) client.close();
  for (const node of nodes) node.child.kill('SIGTERM');
  await Promise.all(nodes.map((node) => (node.child.exitCode === null ? once(node.child, 'exit') : undefined)));
  const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    publishedPerNode: sent / seconds / nodeCount,
    backplaneInPerNode: mean(receivedAfter.map((after, index) => (after - receivedBefore[index]!) / seconds)),
    cpuPerNode: mean(cpuAfter.map((after, index) => (after - cpuBefore[index]!) / seconds)) * 100,
    deliveries: delivered / seconds,
    p50: histogram.getValueAtPercentile(50) / 1000,
    p99: histogram.getValueAtPercentile(99) / 1000,
  };
}

/**
 * The idle node: node 0 has a busy room (members and a publisher), node 1
 * has no member of it. What node 1 spends, as a share of node 0's CPU, is
 * what a node pays for traffic that is not its own.
 */
async function idleNode(side: Side): Promise<{ busyCpu: number; idleCpu: number; idleIn: number }> {
  const prefix = `bench:${randomBytes(4).toString('hex')}:`;
  const [busy, idle] = (await Promise.all([startNode(side, prefix), startNode(side, prefix)])) as [{ child: ChildProcess; port: number }, { child: ChildProcess; port: number }];
  const clients: Client[] = [];
  for (let member = 0; member < 20; member += 1) {
    const client = await side.connect(busy.port);
    await client.join('busy');
    clients.push(client);
  }
  const publisher = await side.connect(busy.port);
  const probe = await side.connect(idle.port);
  clients.push(publisher, probe);
  const timer = setInterval(() => {
    for (let index = 0; index < IDLE_RATE / 100; index += 1) publisher.say('busy', now());
  }, 10);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const inBefore = await probe.stats();
  const before = [cpuSeconds(busy.child.pid!), cpuSeconds(idle.child.pid!)];
  const started = now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const seconds = (now() - started) / 1000;
  const after = [cpuSeconds(busy.child.pid!), cpuSeconds(idle.child.pid!)];
  const inAfter = await probe.stats();
  clearInterval(timer);
  for (const client of clients) client.close();
  for (const node of [busy, idle]) node.child.kill('SIGTERM');
  await Promise.all([busy, idle].map((node) => (node.child.exitCode === null ? once(node.child, 'exit') : undefined)));
  return { busyCpu: ((after[0]! - before[0]!) / seconds) * 100, idleCpu: ((after[1]! - before[1]!) / seconds) * 100, idleIn: (inAfter - inBefore) / seconds };
}

console.log(`\nidle node: node 0 has a room of 20 members and a publisher at ${IDLE_RATE} msg/s; node 1 has no member of it; ${SECONDS} s measured after 1 s\n`);
console.log('| side | node 0 CPU % | node 1 CPU % | node 1 / node 0 | node 1 backplane msgs in /s |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const side of [switchyardSide('interest'), switchyardSide('broadcast'), socketIoSharded]) {
  const result = await idleNode(side);
  console.log(`| ${side.name} | ${result.busyCpu.toFixed(1)} | ${result.idleCpu.toFixed(1)} | ${((result.idleCpu / result.busyCpu) * 100).toFixed(0)}% | ${Math.round(result.idleIn)} |`);
}

console.log(`\nscale-out: per node ${LOCAL_ROOMS} local rooms x ${LOCAL_MEMBERS} members, ${SPANNING_ROOMS} rooms spanning every node x ${SPANNING_MEMBERS_PER_NODE} members a node;`);
console.log(`each node publishes ${RATE} msg/s (${SPANNING_SHARE * 100}% to spanning rooms); ${SECONDS} s measured after 1 s; Redis ${REDIS_URL}\n`);
console.log('| side | nodes | published /s per node | backplane msgs in /s per node | CPU % per node | deliveries/s | p50 ms | p99 ms |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const nodeCount of NODE_COUNTS) {
  for (const side of [switchyardSide('interest'), switchyardSide('broadcast'), socketIoSharded]) {
    const result = await run(side, nodeCount);
    console.log(
      `| ${side.name} | ${nodeCount} | ${Math.round(result.publishedPerNode)} | ${Math.round(result.backplaneInPerNode)} | ${result.cpuPerNode.toFixed(1)} | ${Math.round(result.deliveries)} | ${result.p50.toFixed(2)} | ${result.p99.toFixed(2)} |`,
    );
  }
}
