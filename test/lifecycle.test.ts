/**
 * The application's and the transports' lifecycle: a failed or interrupted
 * start leaves nothing behind, a drain says whether every command finished,
 * and the application closes only what it made.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Subject, type Observable } from 'rxjs';
import {
  defineCommand,
  defineEvent,
  MemoryBackplane,
  MemoryPresence,
  SetupError,
  Switchyard,
  to,
  typed,
  WebSocketTransport,
  type Backplane,
  type EventEnvelope,
} from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';
import { eventually, serve, within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

const silent = (): pino.Logger => pino({ level: 'silent' });
const Work = defineCommand('work', { payload: typed<number>(), result: typed<number>() });
const Ping = defineEvent('ping', typed<{ n: number }>());

/** A backplane whose deliveries can be asked whether anyone still listens. */
class ObservedBackplane implements Backplane {
  readonly subject = new Subject<EventEnvelope>();
  closed = 0;
  get deliveries(): Observable<EventEnvelope> {
    return this.subject.asObservable();
  }
  publish(envelope: EventEnvelope): void {
    this.subject.next(envelope);
  }
  async close(): Promise<void> {
    this.closed++;
    this.subject.complete();
  }
}

/** The intervals created and not cleared while `during` runs (the heartbeat is one). */
async function liveIntervals(during: () => Promise<unknown>): Promise<number> {
  const live = new Set<unknown>();
  const { setInterval: realSet, clearInterval: realClear } = globalThis;
  globalThis.setInterval = ((...args: Parameters<typeof realSet>) => {
    const timer = realSet(...args);
    live.add(timer);
    return timer;
  }) as typeof realSet;
  globalThis.clearInterval = ((timer: Parameters<typeof realClear>[0]) => {
    live.delete(timer);
    realClear(timer);
  }) as typeof realClear;
  try {
    await during();
  } finally {
    globalThis.setInterval = realSet;
    globalThis.clearInterval = realClear;
  }
  for (const timer of live) realClear(timer as NodeJS.Timeout);
  return live.size;
}

async function listening(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** Resolves whether something accepts TCP connections on the port. */
function accepts(port: number): Promise<boolean> {
  return within(
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    }),
    5000,
    `a connection attempt to port ${port}`,
  );
}

describe('transport lifecycle', () => {
  // Regression: a transport was recorded only once started, so a failed start leaked its hub, timer and listener.
  it('a transport whose start fails (port taken) leaves no timer and no listener on the event stream; the application serves on', { timeout: 10_000 }, async () => {
    const blocker = createServer();
    const port = await listening(blocker);
    const backplane = new ObservedBackplane();
    const app = new Switchyard({ logger: silent(), backplane });
    app.register(Work, (n) => n * 2);
    try {
      const leaked = await liveIntervals(() => assert.rejects(app.listen(new WebSocketTransport({ port, heartbeatIntervalMs: 1000 })), { code: 'EADDRINUSE' }));
      assert.equal(leaked, 0, 'the heartbeat timer is stopped');
      assert.equal(backplane.subject.observed, false, 'no hub is left listening to the event stream');

      const transport = await app.listen(new WebSocketTransport({ port: 0 }));
      const client = await WsTestClient.connect(`ws://127.0.0.1:${transport.address.port}/ws`);
      assert.equal((await client.exchange('work', 21)).payload, 42);
      await client.close();
    } finally {
      await app.close();
      blocker.close();
    }
    assert.equal(backplane.subject.observed, false);
  });

  // Regression: close() during start() did not know the transport yet, and left its server listening.
  it('close() during start() leaves nothing listening, and listen() rejects with CLOSED', { timeout: 10_000 }, async () => {
    const probe = createServer();
    const port = await listening(probe);
    await new Promise((resolve) => probe.close(resolve));
    const app = new Switchyard({ logger: silent() });
    const started = app.listen(new WebSocketTransport({ port }));
    const closed = app.close();
    await assert.rejects(started, (error: unknown) => error instanceof SetupError && error.code === 'CLOSED');
    await within(closed, 5000, 'the application to close');
    assert.equal(await accepts(port), false, 'nothing listens on the port');
  });

  it('coded errors for lifecycle mistakes: ALREADY_STARTED, NOT_STARTED, CLOSED', async () => {
    const app = new Switchyard({ logger: silent() });
    const unstarted = new WebSocketTransport({ port: 0 });
    assert.throws(() => unstarted.address, { name: 'SetupError', code: 'NOT_STARTED' });
    assert.throws(() => new MemoryTransport().connect(), { name: 'SetupError', code: 'NOT_STARTED' });
    const memory = await app.listen(new MemoryTransport());
    await assert.rejects(app.listen(memory), { name: 'SetupError', code: 'ALREADY_STARTED' });
    await assert.rejects(new Switchyard({ logger: silent() }).listen(memory), { name: 'SetupError', code: 'ALREADY_STARTED' });
    await app.close();
    await assert.rejects(app.listen(new MemoryTransport()), { name: 'SetupError', code: 'CLOSED' });
    assert.throws(() => memory.connect(), { name: 'SetupError', code: 'CLOSED' });
  });
});

describe('ownership: the application closes what it made, and nothing it was given', () => {
  // Regression: close() closed a backplane the application had been given (and did not close the presence either way).
  it('a backplane and a presence passed in stay open after app.close(); another application on them keeps delivering', { timeout: 10_000 }, async () => {
    const backplane = new MemoryBackplane();
    let presenceClosed = 0;
    const presence = new (class extends MemoryPresence {
      async close(): Promise<void> {
        presenceClosed++;
      }
    })();
    const first = new Switchyard({ logger: silent(), backplane, presence });
    const second = new Switchyard({ logger: silent(), backplane, presence });
    await first.listen(new MemoryTransport());
    const client = (await second.listen(new MemoryTransport())).connect();
    await first.close();
    assert.equal(presenceClosed, 0);
    second.publisher.publish(Ping, { n: 1 }, to.all());
    assert.deepEqual(client.events(Ping), [{ n: 1 }], 'the shared backplane still carries events');
    await second.close();
    await backplane.close();
  });

});
