import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { defineCommand, defineEvent, to, typed } from '../src/index.js';
import { addressKey } from '../src/session/client-budgets.js';
import { eventually, serve, within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

const Echo = defineCommand('echo', { payload: typed<unknown>(), result: typed<unknown>() });
const JoinMany = defineCommand('rooms.join', { payload: typed<{ rooms: string[] }>() });
const Shout = defineCommand('shout', { payload: typed<{ times: number }>() });
const Left = defineEvent('room.left', typed<{ room: string; connectionId: string }>());
const Shouted = defineEvent('shouted', typed<{ n: number }>());

/** The user an upgrade request names in its `x-user` header, or anonymous. */
function headerUser(request: { headers: Record<string, string | string[] | undefined> }): { id: string } | undefined {
  const id = request.headers['x-user'];
  return typeof id === 'string' ? { id } : undefined;
}

/** Resolves with the status and `Retry-After` of a refused upgrade. */
function refused(url: string, headers: Record<string, string> = {}): Promise<{ status: number; retryAfter: string | undefined }> {
  return within(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once('open', () => {
        ws.terminate();
        reject(new Error('the upgrade was accepted'));
      });
      ws.once('unexpected-response', (_request, response) => {
        resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] });
        ws.terminate();
      });
      ws.once('error', () => {});
    }),
    5000,
    'the upgrade to be refused',
  );
}

/** Resolves with an open socket, or `undefined` when the upgrade is refused. */
function opened(url: string): Promise<WebSocket | undefined> {
  return within(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_request, response) => {
        ws.terminate();
        if (response.statusCode === 429) resolve(undefined);
        else reject(new Error(`HTTP ${response.statusCode}`));
      });
      ws.once('error', () => {});
    }),
    5000,
    'the upgrade to be answered',
  );
}

test('perAddress.maxConnections refuses one connection too many from an address with HTTP 429, and a closed one frees its place', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({ app: { limits: { perAddress: { maxConnections: 3, connectRate: false } } } });
  try {
    const clients = await Promise.all([1, 2, 3].map(() => WsTestClient.connect(url)));
    assert.equal((await refused(url)).status, 429);
    await clients[0]?.close();
    // The lease goes back when the TCP connection closes, a moment after the client sees its close.
    let again: WebSocket | undefined;
    await eventually(async () => (again = await opened(url)) !== undefined, 5000, 'a place freed by the closed connection');
    again?.terminate();
    await Promise.all(clients.slice(1).map((client) => client.close()));
  } finally {
    await app.close();
  }
});

test('perAddress.connectRate refuses a burst of new connections with HTTP 429 and Retry-After', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({ app: { limits: { perAddress: { connectRate: { burst: 3, perSecond: 0.2 } } } } });
  try {
    for (let n = 0; n < 3; n++) await (await WsTestClient.connect(url)).close();
    const refusal = await refused(url);
    assert.equal(refusal.status, 429);
    assert.ok(Number(refusal.retryAfter) >= 1 && Number(refusal.retryAfter) <= 5, `Retry-After ${refusal.retryAfter} says when the next token comes`);
  } finally {
    await app.close();
  }
});

test('perUser budgets: one user may hold perUser.maxConnections connections and share one command rate; other users are unaffected', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({
    app: { limits: { perUser: { maxConnections: 2, commandRate: { burst: 5, perSecond: 0.1 } }, perAddress: false } },
    transport: { authenticate: headerUser },
    setup: (app) => app.register(Echo, (payload) => payload),
  });
  try {
    const ann = [await WsTestClient.connect(url, { headers: { 'x-user': 'ann' } }), await WsTestClient.connect(url, { headers: { 'x-user': 'ann' } })];
    assert.equal((await refused(url, { 'x-user': 'ann' })).status, 429);
    const bob = await WsTestClient.connect(url, { headers: { 'x-user': 'bob' } });
    const replies = [];
    for (let n = 0; n < 3; n++) for (const client of ann) replies.push(await client.exchange('echo', n));
    assert.equal(replies.filter((reply) => reply.kind === 'result').length, 5, 'five commands between her two connections');
    const refusal = replies.find((reply) => reply.kind === 'error');
    assert.equal(refusal?.error?.code, 'RATE_LIMITED');
    assert.match(refusal?.error?.message ?? '', /user/);
    assert.equal((await bob.exchange('echo', 'bob')).payload, 'bob', 'another user has a budget of his own');
    const anonymous = await WsTestClient.connect(url);
    assert.equal((await anonymous.exchange('echo', 'anon')).payload, 'anon');
    await Promise.all([...ann, bob, anonymous].map((client) => client.close()));
  } finally {
    await app.close();
  }
});

test('perAddress.commandRate is shared by every connection of an address', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({
    app: { limits: { perAddress: { commandRate: { burst: 4, perSecond: 0.1 } } } },
    setup: (app) => app.register(Echo, (payload) => payload),
  });
  try {
    const one = await WsTestClient.connect(url);
    const two = await WsTestClient.connect(url);
    const replies = [await one.exchange('echo', 1), await two.exchange('echo', 2), await one.exchange('echo', 3), await two.exchange('echo', 4), await one.exchange('echo', 5)];
    assert.deepEqual(
      replies.map((reply) => reply.error?.code ?? reply.kind),
      ['result', 'result', 'result', 'result', 'RATE_LIMITED'],
    );
    assert.match(replies[4]?.error?.message ?? '', /address/);
    await Promise.all([one.close(), two.close()]);
  } finally {
    await app.close();
  }
});

// Regression: a loop that joined many rooms and closed, over and over, made
// the server publish departures as fast as it could reconnect (182,000 frames
// a second in the demo): nothing bounded the reconnects.
test('a join-many-rooms-then-close loop is bounded by the address connect rate, and with it the departures it makes the server publish', { timeout: 20_000 }, async () => {
  const rooms = Array.from({ length: 20 }, (_, n) => `room-${n}`);
  const burst = 4;
  const { app, url } = await serve({
    app: { limits: { perAddress: { connectRate: { burst, perSecond: 0.5 } } } },
    setup: (app) => {
      app.register(JoinMany, async ({ rooms }, ctx) => {
        for (const room of rooms) await ctx.join(room);
      });
      app.onSessionClosed(({ connectionId, rooms }) => {
        for (const room of rooms) app.publisher.publish(Left, { room, connectionId }, to.room(room));
      });
    },
  });
  try {
    const observer = await WsTestClient.connect(url);
    await observer.exchange('rooms.join', { rooms });
    observer.record = false;
    const before = observer.received;
    const started = performance.now();
    let cycles = 0;
    let refusals = 0;
    for (let n = 0; n < 30; n++) {
      const ws = await opened(url);
      if (ws === undefined) {
        refusals++;
        continue;
      }
      const joined = within(new Promise((resolve) => ws.on('message', (data) => String(data).includes('"id":"j"') && resolve(data))), 5000, 'the rooms to be joined');
      ws.send(JSON.stringify({ type: 'rooms.join', id: 'j', payload: { rooms } }));
      await joined;
      ws.close();
      await within(new Promise((resolve) => ws.once('close', resolve)), 5000, 'the client to close');
      cycles++;
    }
    const seconds = (performance.now() - started) / 1000;
    const allowed = Math.floor(burst + 0.5 * seconds) + 1;
    assert.ok(refusals > 0, 'the loop was refused once past its burst');
    assert.ok(cycles <= allowed, `${cycles} cycles in ${seconds.toFixed(1)} s; the connect rate allows ${allowed}`);
    // Each cycle's departures reach the observer: as many as its rooms, no more.
    await eventually(() => observer.received - before >= cycles * rooms.length, 5000, `${cycles * rooms.length} departures`);
    assert.equal(observer.received - before, cycles * rooms.length);
    await observer.close();
  } finally {
    await app.close();
  }
});

test('publishRate bounds the events one connection\'s commands publish through ctx.publish: past it the command fails RATE_LIMITED', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({
    app: { limits: { publishRate: { burst: 25, perSecond: 0.1 } } },
    setup: (app) =>
      app.register(Shout, ({ times }, ctx) => {
        for (let n = 0; n < times; n++) ctx.publish(Shouted, { n }, to.connection(ctx.connectionId));
      }),
  });
  try {
    const loud = await WsTestClient.connect(url);
    assert.equal((await loud.exchange('shout', { times: 10 })).kind, 'result');
    assert.equal((await loud.exchange('shout', { times: 10 })).kind, 'result');
    const third = await loud.exchange('shout', { times: 10 });
    assert.equal(third.error?.code, 'RATE_LIMITED');
    await eventually(() => loud.frames.filter((frame) => frame.type === 'shouted').length === 25, 2000, 'the 25 events within the budget');
    const other = await WsTestClient.connect(url);
    assert.equal((await other.exchange('shout', { times: 3 })).kind, 'result', 'the budget is per connection');
    await Promise.all([loud.close(), other.close()]);
  } finally {
    await app.close();
  }
});

test('addresses are budgeted as IPv4, or by IPv6 /64 prefix', () => {
  assert.equal(addressKey('10.0.0.7'), '10.0.0.7');
  assert.equal(addressKey('::ffff:10.0.0.7'), '10.0.0.7');
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:0db8:0001:0002:ffff:0:0:9'), '2001:db8:1:2::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressKey(undefined), undefined);
});
