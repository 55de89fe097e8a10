import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { SessionDraining, defineCommand, typed, Switchyard, WebSocketTransport } from '../../src/index.js';
import {
  ClientError,
  ClientErrorCode,
  observeEvent,
  reconnectDelay,
  resolveReconnectPolicy,
  ServerError,
  SwitchyardClient,
} from '../../src/client/index.js';
import { ChatSay, RoomJoin } from '../../demo/contract.js';
import { startDemoServer } from '../../demo/demo-server.js';
import { collect, connectDemoClient, nextEvent, stateReached } from '../support/demo-client.js';
import { within } from '../support/socket-harness.js';

const logger = pino({ level: 'silent' });
const fastRetry = { initialDelayMs: 10, maxDelayMs: 50, jitter: 0.5 };

/** A bare application with one command that never answers, to make requests wait. */
async function hangingServer(port = 0): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const app = new Switchyard({ logger, commandTimeoutMs: 1000 });
  app.register(Hang, () => new Promise<never>(() => {}));
  const transport = await app.listen(new WebSocketTransport({ port, closeTimeoutMs: 100 }));
  return { url: `ws://127.0.0.1:${transport.address.port}/ws`, port: transport.address.port, close: () => app.close() };
}
const Hang = defineCommand('test.hang', { payload: typed<null>(), result: typed<never>() });

describe('SwitchyardClient against a real server', { timeout: 20_000 }, () => {
  it('types requests from the command definitions, by definition or by wire type', async () => {
    const server = await startDemoServer({ port: 0, logger });
    const ada = await connectDemoClient(server.wsUrl, 'ada');
    try {
      const joined = await ada.request(RoomJoin, { room: 'typed' });
      const said: { messageId: string } = await ada.request('chat.say', { room: 'typed', text: 'hi' });
      assert.equal(joined.members[0]?.userId, 'ada');
      assert.equal(typeof said.messageId, 'string');
      // @ts-expect-error a payload of the wrong shape does not compile
      await assert.rejects(ada.request(ChatSay, { room: 'typed' }), { code: 'INVALID_PAYLOAD' });
      // @ts-expect-error an unknown wire type does not compile
      await assert.rejects(ada.request('no.such', {}), { code: 'UNKNOWN_COMMAND' });
    } finally {
      await ada.close();
      await server.close();
    }
  });

  it("rejects with a ServerError carrying the server's code", async () => {
    const server = await startDemoServer({ port: 0, logger });
    const ada = await connectDemoClient(server.wsUrl, 'ada');
    try {
      const error = await ada.request('chat.say', { room: 'nowhere', text: 'hi' }).catch((caught: unknown) => caught);
      assert.ok(error instanceof ServerError && error instanceof ClientError);
      assert.equal(error.code, 'FORBIDDEN');
      assert.match(error.message, /join room/);
    } finally {
      await ada.close();
      await server.close();
    }
  });

  it('times out with REQUEST_TIMEOUT, configurable per client and per request', async () => {
    const server = await hangingServer();
    const client = new SwitchyardClient({ url: server.url, WebSocket, requestTimeoutMs: 50 });
    try {
      await within(client.ready(), 5000, 'the connection');
      const started = Date.now();
      await assert.rejects(client.request(Hang, null), { code: ClientErrorCode.REQUEST_TIMEOUT });
      assert.ok(Date.now() - started >= 45);
      await assert.rejects(client.request(Hang, null, { timeoutMs: 5 }), { code: 'REQUEST_TIMEOUT' });
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('fails a pending request with CONNECTION_LOST when its connection drops', async () => {
    const server = await hangingServer();
    const client = new SwitchyardClient({ url: server.url, WebSocket, reconnect: { ...fastRetry, maxAttempts: 1 } });
    try {
      await within(client.ready(), 5000, 'the connection');
      const pending = client.request(Hang, null);
      await server.close();
      await assert.rejects(within(pending, 5000, 'the pending request to fail'), { code: ClientErrorCode.CONNECTION_LOST });
    } finally {
      await client.close();
    }
  });

  it('reconnects after the server restarts, restores state first, then delivers queued sends', async () => {
    let server = await startDemoServer({ port: 0, logger });
    const port = server.port;
    let restored = 0;
    const ada = await connectDemoClient(server.wsUrl, 'ada', {
      reconnect: { ...fastRetry, maxAttempts: 200 },
      onReconnect: async (client) => {
        await client.request('room.join', { room: 'comeback' });
        restored += 1;
      },
    });
    try {
      await ada.request('room.join', { room: 'comeback' });
      const down = stateReached(ada, 'reconnecting');
      // A short drain: clients come back within its deadline (10 s by default).
      await server.app.drain({ deadlineMs: 50 });
      await server.close();
      await down;
      const queued = ada.send('chat.say', { room: 'comeback', text: 'sent while away' });
      assert.equal(ada.queued, 1);

      server = await startDemoServer({ port, logger });
      const bob = await connectDemoClient(server.wsUrl, 'bob');
      await bob.request('room.join', { room: 'comeback' });
      const heard = nextEvent(bob, 'chat.message');
      await within(queued, 5000, 'the queued send to go out');
      assert.equal((await heard).text, 'sent while away');
      assert.equal(restored, 1);
      assert.equal(ada.state, 'open');
      await bob.close();
    } finally {
      await ada.close();
      await server.close();
    }
  });

  it('on session.draining holds new commands, reconnects after the delay the server chose, and sends them to the next node', async () => {
    const Echo = defineCommand('echo', { payload: typed<string>(), result: typed<string>() });
    const node = async (port: number) => {
      const app = new Switchyard({ logger }).register(Echo, (text) => text);
      const transport = await app.listen(new WebSocketTransport({ port, closeTimeoutMs: 100 }));
      return { app, port: transport.address.port };
    };
    const first = await node(0);
    const errors: unknown[] = [];
    const client = new SwitchyardClient({ url: `ws://127.0.0.1:${first.port}/ws`, WebSocket, reconnect: { ...fastRetry, maxAttempts: 200 }, onError: (error) => errors.push(error) });
    await within(client.ready(), 5000, 'the connection');
    const draining = new Promise<number>((resolve) => client.on(SessionDraining, ({ retryAfterMs }) => resolve(retryAfterMs)));
    const drained = first.app.drain({ deadlineMs: 300 });
    assert.ok((await within(draining, 5000, 'session.draining')) < 300);
    const reply = client.request(Echo, 'held for the next node');
    assert.equal(client.queued, 1, 'a command issued while draining waits instead of meeting UNAVAILABLE');
    await within(drained, 5000, 'the drain');
    const second = await node(first.port);
    try {
      assert.equal(await within(reply, 5000, 'the reply from the next node'), 'held for the next node');
      assert.deepEqual(errors, []);
    } finally {
      await client.close();
      await second.app.close();
    }
  });

  it('rejects sends past the queue bound with QUEUE_FULL, and queued ones with CLIENT_CLOSED on close', async () => {
    const client = new SwitchyardClient({ url: 'ws://127.0.0.1:9/ws', WebSocket, queueLimit: 1, reconnect: { ...fastRetry, maxAttempts: Infinity } });
    const first = client.send(ChatSay, { room: 'r', text: 'one' });
    await assert.rejects(client.send(ChatSay, { room: 'r', text: 'two' }), { code: ClientErrorCode.QUEUE_FULL });
    const request = client.request(RoomJoin, { room: 'r' });
    await client.close();
    await assert.rejects(first, { code: ClientErrorCode.CLIENT_CLOSED });
    await assert.rejects(request, { code: 'QUEUE_FULL' });
    await assert.rejects(client.send(ChatSay, { room: 'r', text: 'late' }), { code: 'CLIENT_CLOSED' });
  });

  it('gives up after maxAttempts and fails what is queued with CLIENT_CLOSED', async () => {
    const client = new SwitchyardClient({ url: 'ws://127.0.0.1:9/ws', WebSocket, reconnect: { ...fastRetry, maxAttempts: 2 } });
    const queued = client.send(ChatSay, { room: 'r', text: 'never' });
    await assert.rejects(within(client.ready(), 5000, 'the client to give up'), (error: unknown) => error instanceof ClientError && /gave up reconnecting after 2 attempts/.test(error.message));
    await assert.rejects(queued, { code: 'CLIENT_CLOSED' });
    assert.equal(client.state, 'closed');
  });

  it('on() takes an AbortSignal; observeEvent completes when the client closes', async () => {
    const server = await startDemoServer({ port: 0, logger });
    const ada = await connectDemoClient(server.wsUrl, 'ada');
    const bob = await connectDemoClient(server.wsUrl, 'bob');
    try {
      await ada.request('room.join', { room: 'obs' });
      await bob.request('room.join', { room: 'obs' });
      const aborted = new AbortController();
      const viaSignal: string[] = [];
      ada.on('chat.message', (message) => viaSignal.push(message.text), { signal: aborted.signal });
      const seen: string[] = [];
      const completed = new Promise<void>((resolve) => observeEvent(ada, 'chat.message').subscribe({ next: (m) => seen.push(m.text), complete: resolve }));
      const first = nextEvent(ada, 'chat.message');
      await bob.request('chat.say', { room: 'obs', text: 'one' });
      await first;
      aborted.abort();
      const second = nextEvent(ada, 'chat.message');
      await bob.request('chat.say', { room: 'obs', text: 'two' });
      await second;
      await ada.close();
      await within(completed, 5000, 'observeEvent to complete');
      assert.deepEqual(viaSignal, ['one']);
      assert.deepEqual(seen, ['one', 'two']);
      assert.deepEqual(collect(ada, 'chat.message'), []);
    } finally {
      await ada.close();
      await bob.close();
      await server.close();
    }
  });
});

describe('reconnect policy', () => {
  it('grows exponentially, is capped, and jitter only shortens the delay', () => {
    const policy = resolveReconnectPolicy({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 });
    assert.deepEqual([1, 2, 3, 4, 5, 30].map((attempt) => reconnectDelay(policy, attempt, () => 0)), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(reconnectDelay(policy, 3, () => 1), 200);
    for (let attempt = 1; attempt < 50; attempt++) {
      const delay = reconnectDelay(policy, attempt);
      assert.ok(delay >= 50 && delay <= 1000, `attempt ${attempt}: ${delay}`);
    }
  });

  it('rejects impossible policies up front', () => {
    assert.throws(() => resolveReconnectPolicy({ jitter: 2 }), RangeError);
    assert.throws(() => resolveReconnectPolicy({ maxAttempts: 0 }), RangeError);
    assert.throws(() => resolveReconnectPolicy({ initialDelayMs: 500, maxDelayMs: 100 }), RangeError);
    assert.throws(() => new SwitchyardClient({ url: '' }), TypeError);
  });
});

describe('the browser path', () => {
  const clientDir = fileURLToPath(new URL('../../src/client/', import.meta.url));

  it('imports only sibling modules by relative .js paths (so it loads as native ES modules)', () => {
    // observe-event needs RxJS and index re-exports it; the page loads switchyard-client.js and what it imports.
    const browserFiles = readdirSync(clientDir).filter((name) => name.endsWith('.js') && name !== 'observe-event.js' && name !== 'index.js');
    assert.ok(browserFiles.includes('switchyard-client.js'));
    for (const name of browserFiles) {
      const source = readFileSync(new URL(name, `file://${clientDir}/`), 'utf8');
      for (const [, specifier] of source.matchAll(/^(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/gm)) {
        assert.match(specifier ?? '', /^\.\/[a-z-]+\.js$/, `${name} imports "${specifier}"`);
      }
      assert.doesNotMatch(source, /^import\s*['"]|\bimport\(/m, `${name} has a bare or dynamic import`);
    }
  });

  it('documents every client error code', () => {
    const docs = readFileSync(new URL('../../../docs/client.md', import.meta.url), 'utf8');
    for (const code of Object.values(ClientErrorCode)) assert.match(docs, new RegExp(`^\\| \`${code}\` \\|`, 'm'), `docs/client.md has no table row for ${code}`);
  });
});
