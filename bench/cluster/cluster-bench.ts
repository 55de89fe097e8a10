// Cross-node fan-out: one publisher on node A, receivers on node B, the two
// nodes sharing one Redis. Switchyard on its Redis backplane versus
// Socket.IO on @socket.io/redis-adapter, same Redis, same machine, one run.
//
//   npm run bench:cluster            (REDIS_URL, default redis://127.0.0.1:6379; SCALE_OUT=0 skips the scale-out scenario)
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import * as hdr from 'hdr-histogram-js';
import { io as socketIoClient, type Socket } from 'socket.io-client';
import WebSocket from 'ws';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const RECEIVERS = Number(process.env['RECEIVERS'] ?? 50);
const ROUNDS = Number(process.env['ROUNDS'] ?? 500);
const BURST = Number(process.env['BURST'] ?? 5000);

/** The two sides behind one interface: connect a client, join, say, listen. */
interface Client {
  join(room: string): Promise<void>;
  say(room: string, text: string, sentAt: number): void;
  onMessage(listener: (sentAt: number) => void): void;
  close(): void;
}

interface Side {
  readonly name: string;
  readonly script: string;
  connect(port: number): Promise<Client>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

const now = (): number => performance.timeOrigin + performance.now();

const switchyard: Side = {
  name: 'Switchyard (RedisBackplane)',
  script: fileURLToPath(new URL('../../test/fixtures/redis-node.js', import.meta.url)),
  async connect(port) {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await once(socket, 'message');
    let sequence = 0;
    const pending = new Map<string, () => void>();
    const listeners: Array<(sentAt: number) => void> = [];
    socket.on('message', (raw: Buffer) => {
      const frame = JSON.parse(raw.toString()) as { kind: string; id?: string; payload?: { sentAt?: number } };
      if (frame.kind === 'event') for (const listener of listeners) listener(frame.payload?.sentAt ?? 0);
      else if (frame.id !== undefined) pending.get(frame.id)?.();
    });
    return {
      join: (room) =>
        new Promise<void>((resolve) => {
          const id = String(++sequence);
          pending.set(id, resolve);
          socket.send(JSON.stringify({ type: 'room.join', id, payload: { room } }));
        }),
      say: (room, text, sentAt) => socket.send(JSON.stringify({ type: 'room.say', payload: { room, text, sentAt } })),
      onMessage: (listener) => listeners.push(listener),
      close: () => socket.close(),
    };
  },
};

const socketIo: Side = {
  name: 'Socket.IO (@socket.io/redis-adapter)',
  script: fileURLToPath(new URL('./socketio-node.js', import.meta.url)),
  async connect(port) {
    const socket: Socket = socketIoClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    return {
      join: (room) => new Promise<void>((resolve) => socket.emit('join', room, resolve)),
      say: (room, text, sentAt) => socket.emit('say', { room, text, sentAt }),
      onMessage: (listener) => socket.on('message', (message: { sentAt: number }) => listener(message.sentAt)),
      close: () => socket.close(),
    };
  },
};

async function startNode(script: string, prefix: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, REDIS_URL, KEY_PREFIX: prefix, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // A node reports other lines too (Redis status); the one with the port says it is ready.
  for await (const line of createInterface({ input: child.stdout! })) {
    const report = JSON.parse(line) as { port?: number };
    if (report.port !== undefined) return { child, port: report.port };
  }
  throw new Error(`${script} exited before it was ready`);
}

async function run(side: Side): Promise<{ p50: number; p99: number; max: number; throughput: number }> {
  const prefix = `bench:${randomBytes(4).toString('hex')}:`;
  const nodes = await Promise.all([startNode(side.script, prefix), startNode(side.script, prefix)]);
  const [nodeA, nodeB] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  const publisher = await side.connect(nodeA.port);
  const receivers = await Promise.all(Array.from({ length: RECEIVERS }, () => side.connect(nodeB.port)));
  await Promise.all(receivers.map((receiver) => receiver.join('bench')));

  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let received = 0;
  let notify: (() => void) | undefined;
  let recording = true;
  for (const receiver of receivers) {
    receiver.onMessage((sentAt) => {
      if (recording) histogram.recordValue(Math.max(1, Math.round((now() - sentAt) * 1000)));
      received += 1;
      notify?.();
    });
  }
  const allReceived = (target: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${side.name}: ${received}/${target} deliveries after 60 s`)), 60_000);
      notify = () => {
        if (received < target) return;
        clearTimeout(timer);
        notify = undefined;
        resolve();
      };
      notify();
    });

  // Latency: one message at a time, each awaited at every receiver.
  for (let round = 0; round < ROUNDS; round += 1) {
    const target = received + RECEIVERS;
    publisher.say('bench', String(round), now());
    await allReceived(target);
  }
  // Throughput: a burst, timed until the last receiver has the last message.
  recording = false;
  const target = received + BURST * RECEIVERS;
  const started = now();
  for (let index = 0; index < BURST; index += 1) publisher.say('bench', String(index), 0);
  await allReceived(target);
  const seconds = (now() - started) / 1000;

  publisher.close();
  for (const receiver of receivers) receiver.close();
  for (const node of nodes) node.child.kill('SIGTERM');
  await Promise.all(nodes.map((node) => (node.child.exitCode === null ? once(node.child, 'exit') : undefined)));
  return {
    p50: histogram.getValueAtPercentile(50) / 1000,
    p99: histogram.getValueAtPercentile(99) / 1000,
    max: histogram.maxValue / 1000,
    throughput: (BURST * RECEIVERS) / seconds,
  };
}

console.log(`cross-node fan-out: 1 publisher on node A, ${RECEIVERS} receivers on node B, Redis ${REDIS_URL}`);
console.log(`latency: ${ROUNDS} messages one at a time; throughput: a burst of ${BURST} messages\n`);
console.log('| side | p50 ms | p99 ms | max ms | deliveries/s |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const side of [switchyard, socketIo]) {
  const result = await run(side);
  console.log(`| ${side.name} | ${result.p50.toFixed(2)} | ${result.p99.toFixed(2)} | ${result.max.toFixed(2)} | ${Math.round(result.throughput)} |`);
}
// The scale-out scenario: 2, 4 and 6 nodes, rooms local to nodes and rooms spanning them.
if (process.env['SCALE_OUT'] !== '0') await import('./scale-out.js');
