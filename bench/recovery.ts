// The cost of recovery (docs/recovery.md): request/reply server CPU with
// recovery off and on (in memory), interleaved round by round, and a resume
// storm: many clients of a node that went away resuming at once on another
// node sharing Redis, timed until every one has recovered, with the Redis
// commands each resume costs.
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import WebSocket from 'ws';
import { defineCommand, defineEvent, Switchyard, to, typed, WebSocketTransport } from '../src/index.js';
import { createRedisScaleOut, redisRecoveryStore } from '../src/redis.js';
import { requestReply, type Metrics, type Settings } from './scenarios.js';

type Trial = (scenario: string, round: number, run: () => Promise<Metrics>) => Promise<void>;

/** Request/reply 50 x 10 with recovery off, then on: A B A B ... `RECOVERY_REPLIES` sets `maxRepliesPerSession` of the "on" server. */
export async function recoveryCost(settings: Settings, rounds: number, trial: Trial): Promise<void> {
  const replies = process.env['RECOVERY_REPLIES'];
  console.log(`\nrecovery (request-reply-50x10, recovery off vs on${replies === undefined ? '' : `, maxRepliesPerSession ${replies}`})`);
  for (let round = 1; round <= rounds; round++) {
    for (const mode of ['off', 'memory']) {
      const args = mode === 'memory' && replies !== undefined ? ['--recovery', mode, '--recovery-replies', replies] : ['--recovery', mode];
      await trial(`recovery-${mode}`, round, () => requestReply('switchyard', settings, 50, 10, args));
    }
  }
}

const Join = defineCommand('room.join', { payload: typed<{ room: string }>(), result: typed<{ room: string }>() });
const Say = defineCommand('room.say', { payload: typed<{ room: string; text: string }>(), result: typed<{ ok: boolean }>() });
const Said = defineEvent('room.said', typed<{ text: string }>());

async function node(url: string, keyPrefix: string): Promise<{ app: Switchyard; port: number; close(): Promise<void> }> {
  const scaleOut = createRedisScaleOut({ url, keyPrefix });
  const store = redisRecoveryStore({ url, keyPrefix });
  const outOfReach = { burst: 1_000_000, perSecond: 1_000_000 };
  const app = new Switchyard({
    logger: pino({ level: 'silent' }),
    backplane: scaleOut.backplane,
    presence: scaleOut.presence,
    recovery: { store },
    limits: { rateLimit: outOfReach, publishRate: outOfReach, perAddress: { maxConnections: 1_000_000, connectRate: outOfReach, commandRate: outOfReach } },
  });
  app.register(Join, async ({ room }, ctx) => {
    await ctx.join(room);
    return { room };
  });
  app.register(Say, ({ room, text }, ctx) => {
    ctx.publish(Said, { text }, to.room(room));
    return { ok: true };
  });
  const transport = await app.listen(new WebSocketTransport({ port: 0, host: '127.0.0.1' }));
  await Promise.all([scaleOut.ready(), store.ready()]);
  return {
    app,
    port: transport.address.port,
    close: async () => {
      await app.drain({ deadlineMs: 100 });
      await scaleOut.close();
    },
  };
}

interface Storm {
  readonly socket: WebSocket;
  token: string;
  positions: Record<string, string>;
}

/** Connects, trying again a few times: thousands of connects at once overflow the listen backlog, as they would for real clients, which back off. */
async function open(port: number): Promise<{ socket: WebSocket; frames: Array<Record<string, unknown>>; hello: Promise<Record<string, unknown>> }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openOnce(port);
    } catch (error) {
      if (attempt >= 8) throw error;
      await sleep(Math.random() * 50 * attempt);
    }
  }
}

function openOnce(port: number): Promise<{ socket: WebSocket; frames: Array<Record<string, unknown>>; hello: Promise<Record<string, unknown>> }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  const frames: Array<Record<string, unknown>> = [];
  let greet: (frame: Record<string, unknown>) => void = () => {};
  const hello = new Promise<Record<string, unknown>>((resolve) => (greet = resolve));
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Record<string, unknown>;
    frames.push(frame);
    if (frame['type'] === 'session.connected') greet(frame);
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      // A node going away resets its sockets: that is the point of the storm, not a failure.
      socket.on('error', () => undefined);
      resolve({ socket, frames, hello });
    });
    socket.once('error', reject);
  });
}

function reply(socket: WebSocket, frames: Array<Record<string, unknown>>, id: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const check = (): void => {
      const found = frames.find((frame) => frame['id'] === id);
      if (found !== undefined) {
        socket.off('message', check);
        resolve(found);
      }
    };
    socket.on('message', check);
    check();
  });
}

/**
 * `clients` sessions on node A, in `rooms` rooms; node A goes away while
 * `missed` events per room are published on node B; then every client
 * resumes on node B at once.
 */
export async function resumeStorm(redisUrl: string, clients: number, rooms: number, missed: number): Promise<Metrics> {
  const prefix = `bench:storm:${Date.now().toString(36)}:`;
  const a = await node(redisUrl, prefix);
  const b = await node(redisUrl, prefix);
  const sessions: Storm[] = [];
  for (let start = 0; start < clients; start += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, clients - start) }, async (_, offset) => {
        const index = start + offset;
        const { socket, frames, hello } = await open(a.port);
        const greeting = await hello;
        const token = ((greeting['payload'] as { resume: { token: string } }).resume).token;
        socket.send(JSON.stringify({ type: 'room.join', id: 'j', payload: { room: `storm-${index % rooms}` } }));
        await reply(socket, frames, 'j');
        return { socket, token, positions: {} as Record<string, string> };
      }),
    );
    sessions.push(...batch);
  }
  const publisher = await open(b.port);
  await publisher.hello;
  const monitor = new Redis(redisUrl);
  await a.close();
  await sleep(200);
  for (let room = 0; room < rooms; room++) {
    for (let n = 0; n < missed; n++) {
      publisher.socket.send(JSON.stringify({ type: 'room.say', id: `s${room}-${n}`, payload: { room: `storm-${room}`, text: `m${n}` } }));
      await reply(publisher.socket, publisher.frames, `s${room}-${n}`);
    }
  }
  const before = commandsProcessed(await monitor.info('stats'));
  const started = performance.now();
  const results = await Promise.all(
    sessions.map(async (session, index) => {
      const { socket, frames } = await open(b.port);
      socket.send(JSON.stringify({ type: 'session.resume', id: 'r', payload: { token: session.token, positions: session.positions } }));
      const answer = await reply(socket, frames, 'r');
      const events = frames.filter((frame) => frame['type'] === 'room.said').length;
      socket.terminate();
      return { recovered: (answer['payload'] as { recovered?: boolean } | undefined)?.recovered === true, events, index };
    }),
  );
  const elapsedMs = performance.now() - started;
  const after = commandsProcessed(await monitor.info('stats'));
  publisher.socket.terminate();
  monitor.disconnect();
  await b.close();
  const recovered = results.filter((result) => result.recovered).length;
  const replayed = results.reduce((sum, result) => sum + result.events, 0);
  return {
    clients,
    recovered,
    allRecoveredMs: elapsedMs,
    resumesPerSecond: clients / (elapsedMs / 1000),
    eventsReplayed: replayed,
    everyMissedEventReplayed: replayed === clients * missed,
    // Every command Redis processed during the storm (presence and the backplane's included), per resume.
    redisCommandsPerResume: (after - before) / clients,
  };
}

function commandsProcessed(info: string): number {
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
}
