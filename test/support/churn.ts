/**
 * Connection churn over real sockets: connect, join a room, maybe leave it,
 * disconnect, many at a time; and what must be back at baseline afterwards.
 * Used by test/churn.test.ts and, at length, test/soak/churn.soak.ts.
 */
import assert from 'node:assert/strict';
import { defer, finalize, type Observable } from 'rxjs';
import WebSocket from 'ws';
import { MemoryBackplane, defineCommand, typed, type Backplane, type EventEnvelope, type Switchyard, type WebSocketTransport } from '../../src/index.js';
import { eventually, serve, within } from './socket-harness.js';
import { settledMemory } from './gc.js';

export const CHURN_ROOMS = 50;
export const CHURN_USERS = 100;
const CONCURRENCY = 40;

const Join = defineCommand('room.join', { payload: typed<{ room: string }>() });
const Leave = defineCommand('room.leave', { payload: typed<{ room: string }>() });

/** A memory backplane that counts who is subscribed to its deliveries. */
export class CountingBackplane implements Backplane {
  readonly #inner = new MemoryBackplane();
  subscribers = 0;
  readonly deliveries: Observable<EventEnvelope> = defer(() => {
    this.subscribers++;
    return this.#inner.deliveries.pipe(finalize(() => this.subscribers--));
  });

  publish(envelope: EventEnvelope): void {
    this.#inner.publish(envelope);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/** A server for churn: room join and leave, users named by the `x-user` header, a counted backplane. */
export async function serveChurn(): Promise<{ app: Switchyard; transport: WebSocketTransport; url: string; backplane: CountingBackplane }> {
  const backplane = new CountingBackplane();
  const served = await serve({
    // Every cycle comes from one address, far faster than the address budget's rates allow a real client.
    app: { backplane, limits: { perAddress: { connectRate: false, commandRate: false } } },
    transport: {
      heartbeatIntervalMs: 1000,
      authenticate: (request) => {
        const user = request.headers['x-user'];
        return typeof user === 'string' ? { id: user } : undefined;
      },
    },
    setup: (app) => {
      app.register(Join, (payload, ctx) => ctx.join(payload.room));
      app.register(Leave, (payload, ctx) => ctx.leave(payload.room));
    },
  });
  return { ...served, backplane };
}

/** One connect, join, maybe leave, disconnect cycle over a real socket. */
function cycle(url: string, n: number): Promise<void> {
  return within(
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { 'x-user': `u${n % CHURN_USERS}` } });
      const room = `r${n % CHURN_ROOMS}`;
      ws.on('error', reject);
      ws.on('close', () => resolve());
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { kind: string; id?: string; type?: string };
        if (frame.type === 'session.connected') ws.send(JSON.stringify({ type: 'room.join', id: 'j', payload: { room } }));
        else if (frame.id === 'j' && n % 2 === 0) ws.send(JSON.stringify({ type: 'room.leave', id: 'l', payload: { room } }));
        else if (frame.id === 'j' || frame.id === 'l') ws.close();
      });
    }),
    10_000,
    `churn cycle ${n}`,
  );
}

/** Runs cycles `from` to `from + count - 1`, 40 at a time. */
export async function churn(url: string, from: number, count: number): Promise<void> {
  let next = from;
  const end = from + count;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < end) await cycle(url, next++);
    }),
  );
}

/** Resolves once the server has forgotten every connection. */
export function idle(transport: WebSocketTransport): Promise<void> {
  return eventually(() => transport.stats.connections === 0, 10_000, 'every connection to be forgotten');
}

/** Asserts that indexes, presence and backplane subscriptions are back where they were with no one connected. */
export async function assertNothingLeft(app: Switchyard, transport: WebSocketTransport, backplane: CountingBackplane, subscribers: number): Promise<void> {
  assert.deepEqual(transport.stats, { connections: 0, users: 0, rooms: 0 });
  for (let room = 0; room < CHURN_ROOMS; room++) assert.deepEqual(await app.presence.members(`r${room}`), []);
  for (let user = 0; user < CHURN_USERS; user++) assert.deepEqual(await app.presence.sessions(`u${user}`), []);
  assert.equal(backplane.subscribers, subscribers, 'no subscription per connection is left behind');
}

/**
 * `serveChurn()` after `warmUp` cycles, idle, with the settled heap and the
 * backplane's subscriber count taken as the baseline the churn is held to.
 */
export async function serveWarmedUpChurn(warmUp: number): Promise<Awaited<ReturnType<typeof serveChurn>> & { baseline: Awaited<ReturnType<typeof settledMemory>>; subscribers: number; started: number }> {
  const served = await serveChurn();
  try {
    await churn(served.url, 0, warmUp);
    await idle(served.transport);
    const baseline = await settledMemory();
    return { ...served, baseline, subscribers: served.backplane.subscribers, started: Date.now() };
  } catch (error) {
    await served.app.close();
    throw error;
  }
}

