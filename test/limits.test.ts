import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineCommand, resolveHubOptions, typed } from '../src/index.js';
import { serve, within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

const Echo = defineCommand('echo', { payload: typed<unknown>(), result: typed<unknown>() });
const Join = defineCommand('room.join', { payload: typed<{ room: string }>() });

test('the rate limit answers RATE_LIMITED past the burst, closes with 1008 on sustained abuse, and spares other clients', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({
    app: { limits: { rateLimit: { burst: 5, perSecond: 1, closeAfter: 20 } } },
    setup: (app) => app.register(Echo, (payload) => payload),
  });
  try {
    const greedy = await WsTestClient.connect(url);
    const polite = await WsTestClient.connect(url);
    const replies = await Promise.all(Array.from({ length: 10 }, (_, n) => greedy.exchange('echo', n)));
    assert.deepEqual(
      replies.map((reply) => reply.kind),
      [...Array(5).fill('result'), ...Array(5).fill('error')],
    );
    for (const reply of replies.slice(5)) assert.equal(reply.error?.code, 'RATE_LIMITED');
    // Unknown commands and bad frames count too: the limit sits in front of the bus.
    assert.equal((await greedy.exchange('no.such.command')).error?.code, 'RATE_LIMITED');
    assert.equal((await polite.exchange('echo', 'hi')).payload, 'hi');
    for (let n = 0; n < 40; n++) greedy.ws.send('{"type":"echo"}');
    assert.equal((await within(greedy.closed, 2000, 'the abuser to be closed')).code, 1008);
    assert.equal((await polite.exchange('echo', 'still here')).payload, 'still here');
    await polite.close();
  } finally {
    await app.close();
  }
});

test('a frame refused by the rate limit is answered with its id when small enough to read it cheaply, without one when larger', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({
    app: { limits: { rateLimit: { burst: 1, perSecond: 0.01 } } },
    setup: (app) => app.register(Echo, (payload) => payload),
  });
  try {
    const client = await WsTestClient.connect(url);
    assert.equal((await client.exchange('echo', 'first')).kind, 'result');
    const small = await client.exchange('echo', 'second');
    assert.equal(small.error?.code, 'RATE_LIMITED');
    client.ws.send(JSON.stringify({ type: 'echo', id: 'large', payload: 'x'.repeat(8 * 1024) }));
    const large = await client.waitFor((frame) => frame.kind === 'error' && frame.id === undefined, 'an uncorrelated RATE_LIMITED');
    assert.equal(large.error?.code, 'RATE_LIMITED');
    await client.close();
  } finally {
    await app.close();
  }
});

test('maxRoomsPerConnection answers TOO_MANY_ROOMS', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({
    app: { limits: { maxRoomsPerConnection: 2 } },
    setup: (app) => app.register(Join, (payload, ctx) => ctx.join(payload.room)),
  });
  try {
    const client = await WsTestClient.connect(url);
    assert.equal((await client.exchange('room.join', { room: 'a' })).kind, 'result');
    assert.equal((await client.exchange('room.join', { room: 'b' })).kind, 'result');
    assert.equal((await client.exchange('room.join', { room: 'a' })).kind, 'result', 'joining a room again is not one more');
    assert.equal((await client.exchange('room.join', { room: 'c' })).error?.code, 'TOO_MANY_ROOMS');
    assert.equal((await app.presence.members('c')).length, 0);
    await client.close();
  } finally {
    await app.close();
  }
});

test('payloads nested past maxPayloadDepth are answered BAD_FRAME, with the id', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({ app: { limits: { maxPayloadDepth: 4 } }, setup: (app) => app.register(Echo, (payload) => payload) });
  try {
    const client = await WsTestClient.connect(url);
    assert.equal((await client.exchange('echo', [[[['ok']]]])).kind, 'result');
    const deep = await client.exchange('echo', { a: [{ b: { c: {} } }] });
    assert.equal(deep.error?.code, 'BAD_FRAME');
    // Far deeper than any recursive validator's stack could take.
    client.ws.send(`{"type":"echo","id":"deep","payload":${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
    assert.equal((await client.reply('deep')).error?.code, 'BAD_FRAME');
    await client.close();
  } finally {
    await app.close();
  }
});

test('a prototype-polluting frame is refused and changes no object', { timeout: 10_000 }, async () => {
  let seen = 0;
  const { app, url } = await serve({
    setup: (app) =>
      app.register(Echo, (payload) => {
        seen++;
        // The merge a careless handler would do: harmless, because such payloads never get here.
        return Object.assign({}, payload);
      }),
  });
  try {
    const client = await WsTestClient.connect(url);
    const frames = [
      '{"type":"echo","id":"1","payload":{"__proto__":{"polluted":true}}}',
      '{"type":"echo","id":"2","payload":{"a":[{"__proto__":{"polluted":true}}]}}',
      '{"type":"echo","id":"3","payload":{"constructor":{"prototype":{"polluted":true}}}}',
    ];
    for (const frame of frames) client.ws.send(frame);
    for (const id of ['1', '2', '3']) assert.equal((await client.reply(id)).error?.code, 'BAD_FRAME');
    assert.equal(seen, 0);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
    assert.equal((Object.prototype as { polluted?: unknown }).polluted, undefined);
    const car = await client.exchange('echo', { constructor: 'Ferrari' });
    assert.deepEqual(car.payload, { constructor: 'Ferrari' }, 'a plain "constructor" value is data');
    // A "__proto__" at the frame's top level is no payload and sets nothing either.
    client.ws.send('{"__proto__":{"type":"echo"},"id":"4"}');
    assert.equal((await client.reply('4')).error?.code, 'BAD_FRAME');
    await client.close();
  } finally {
    await app.close();
  }
});

test('limits are checked up front', () => {
  assert.throws(() => resolveHubOptions({ rateLimit: { burst: 0 } }), RangeError);
  assert.throws(() => resolveHubOptions({ rateLimit: { perSecond: -1 } }), RangeError);
  assert.throws(() => resolveHubOptions({ maxRoomsPerConnection: 1.5 }), RangeError);
  assert.throws(() => resolveHubOptions({ maxPayloadDepth: 0 }), RangeError);
  assert.throws(() => resolveHubOptions({ rateLimit: { closeWindowMs: 0 } }), RangeError);
  assert.throws(() => resolveHubOptions({ maxRoomNameLength: 0 }), RangeError);
  assert.throws(() => resolveHubOptions({ maxPendingCommands: -1 }), RangeError);
  assert.throws(() => resolveHubOptions({ publishRate: { perSecond: 0 } }), RangeError);
  assert.throws(() => resolveHubOptions({ perAddress: { maxConnections: 0 } }), RangeError);
  assert.throws(() => resolveHubOptions({ perAddress: { connectRate: { burst: 0.5 } } }), RangeError);
  assert.throws(() => resolveHubOptions({ perUser: { commandRate: { perSecond: Number.POSITIVE_INFINITY } } }), RangeError);
  assert.equal(resolveHubOptions({ rateLimit: false }).rateLimit, false);
  assert.equal(resolveHubOptions({ perAddress: false }).perAddress, false);
  const perUser = resolveHubOptions({ perUser: { commandRate: false } }).perUser;
  assert.equal(perUser !== false && perUser.commandRate, false);
  // A field left out, or given as undefined, takes its default.
  const limits = resolveHubOptions({ rateLimit: { perSecond: 5, burst: undefined }, perAddress: { connectRate: { burst: 3 } }, maxPendingCommands: undefined });
  assert.deepEqual(limits.rateLimit, { burst: 200, perSecond: 5, closeAfter: 100, closeWindowMs: 10_000 });
  assert.deepEqual(limits.perAddress && limits.perAddress.connectRate, { burst: 3, perSecond: 20 });
  assert.equal(limits.maxPendingCommands, 64);
  assert.equal(limits.maxRoomNameLength, 128);
  assert.ok(Object.isFrozen(resolveHubOptions()));
  assert.ok(Object.isFrozen(limits.perAddress));
});
