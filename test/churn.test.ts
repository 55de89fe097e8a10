import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defer, finalize, type Observable } from 'rxjs';
import WebSocket from 'ws';
import { MemoryBackplane, defineCommand, typed, type Backplane, type EventEnvelope } from '../src/index.js';
import { settledMemory } from './support/gc.js';
import { eventually, serve, within } from './support/socket-harness.js';

const CYCLES = 12_000;
const WARM_UP = 1_000;
const CONCURRENCY = 40;
const ROOMS = 50;
const USERS = 100;
const HEAP_BOUND = 4 * 1024 * 1024;

const Join = defineCommand('room.join', { payload: typed<{ room: string }>() });
const Leave = defineCommand('room.leave', { payload: typed<{ room: string }>() });

/** A memory backplane that counts who is subscribed to its deliveries. */
class CountingBackplane implements Backplane {
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

/** One connect, join, maybe leave, disconnect cycle over a real socket. */
function cycle(url: string, n: number): Promise<void> {
  return within(
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { 'x-user': `u${n % USERS}` } });
      const room = `r${n % ROOMS}`;
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
    `cycle ${n}`,
  );
}

async function churn(url: string, from: number, count: number): Promise<void> {
  let next = from;
  const end = from + count;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < end) await cycle(url, next++);
    }),
  );
}

test(`churn: ${CYCLES} connect/join/leave/disconnect cycles leave heap, indexes, presence and subscriptions at baseline`, { timeout: 120_000 }, async (t) => {
  const backplane = new CountingBackplane();
  const { app, transport, url } = await serve({
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
  try {
    const idle = async (): Promise<void> => {
      await eventually(() => transport.stats.connections === 0, 10_000, 'every connection to be forgotten');
    };
    await churn(url, 0, WARM_UP);
    await idle();
    const baseline = await settledMemory();
    const subscribers = backplane.subscribers;
    const started = Date.now();

    await churn(url, WARM_UP, CYCLES);
    await idle();
    const after = await settledMemory();
    const delta = after.heapUsed - baseline.heapUsed;
    t.diagnostic(
      `churn: ${CYCLES} cycles in ${Date.now() - started} ms, heap ${(baseline.heapUsed / 1048576).toFixed(1)} MiB -> ${(after.heapUsed / 1048576).toFixed(1)} MiB (delta ${(delta / 1024).toFixed(0)} KiB, bound ${HEAP_BOUND / 1048576} MiB)`,
    );

    assert.deepEqual(transport.stats, { connections: 0, users: 0, rooms: 0 });
    for (let room = 0; room < ROOMS; room++) assert.deepEqual(await app.presence.members(`r${room}`), []);
    for (let user = 0; user < USERS; user++) assert.deepEqual(await app.presence.sessions(`u${user}`), []);
    assert.equal(backplane.subscribers, subscribers, 'no subscription per connection is left behind');
    assert.ok(delta < HEAP_BOUND, `heap grew by ${delta} bytes`);
  } finally {
    await app.close();
  }
  assert.equal(backplane.subscribers, 0, 'closing the transport unsubscribes');
});
