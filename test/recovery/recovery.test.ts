/** Sessions that survive a reconnect (protocol v1.1), one node, real sockets. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { serve, within } from '../support/socket-harness.js';
import { registerFixtures } from '../support/fixtures.js';
import { Registry } from 'prom-client';
import type { Switchyard } from '../../src/index.js';
import { PrometheusMetrics } from '../../src/prometheus.js';
import { parseAsyncApi } from '../support/asyncapi.js';
import { ask, connect, dropTcp, grantOf, idOf, positionsOf, resume, serveWithRecovery, shout, shoutsOf, type RecoveryFrame } from './support.js';

const apps: Switchyard[] = [];
after(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

async function server(options: Parameters<typeof serveWithRecovery>[0] = {}): Promise<Awaited<ReturnType<typeof serveWithRecovery>>> {
  const served = await serveWithRecovery(options);
  apps.push(served.app);
  return served;
}

describe('recovery on one node', { timeout: 30_000 }, () => {
  it('replays exactly the N events missed while the TCP connection was down, in order, then the result; live events follow without a room.join', async () => {
    const { app, url } = await server();
    const alice = await connect(url, 'alice');
    const bob = await connect(url, 'bob');
    await alice.exchange('test.join', { room: 'lobby' });
    await bob.exchange('test.join', { room: 'lobby' });
    await shout(bob, 'lobby', ['before']);
    await alice.waitFor((frame) => frame.type === 'test.shouted');
    const seen = alice.frames.find((frame) => frame.type === 'test.shouted') as RecoveryFrame;
    assert.equal(seen.stream, 'room:lobby');
    assert.equal(typeof seen.pos, 'string');
    const { token, ttlMs } = grantOf(alice);
    assert.ok(token.length >= 22, 'at least 128 bits of token');
    assert.equal(ttlMs, 10_000);
    const oldId = idOf(alice);
    const positions = positionsOf(alice);
    await dropTcp(alice, app, 'lobby');

    const missed = ['m1', 'm2', 'm3', 'm4', 'm5'];
    await shout(bob, 'lobby', missed);
    const again = await connect(url, 'alice');
    const { before, result } = await resume(again, token, positions);
    assert.deepEqual(
      before.map((frame) => (frame.payload as { text: string }).text),
      missed,
    );
    assert.ok(before.every((frame) => frame.type === 'test.shouted' && frame.stream === 'room:lobby'));
    assert.deepEqual({ recovered: result.recovered, rooms: result.rooms, replayed: result.replayed }, { recovered: true, rooms: ['lobby'], replayed: 5 });
    assert.notEqual(result.resume.token, token, 'the token is rotated');

    const mark = again.frames.length;
    await shout(bob, 'lobby', ['live']);
    await again.waitFor((frame) => frame.type === 'test.shouted' && (frame.payload as { text: string }).text === 'live');
    assert.deepEqual(shoutsOf(again, mark), ['live']);
    // The connection id is the session's: what it publishes comes from the old id.
    const mark2 = bob.frames.length;
    await ask(again, 'after-1', 'test.shout', { text: 'back', audience: 'room', id: 'lobby', exceptSender: true });
    const heard = await bob.waitFor((frame) => bob.frames.indexOf(frame) >= mark2 && frame.type === 'test.shouted');
    assert.equal((heard.payload as { from: string }).from, oldId);
    await Promise.all([again.close(), bob.close()]);
  });

  it('runs a retried command once: the retry after the drop waits for the first run and gets its reply', async () => {
    const { app, url, runs } = await server();
    const client = await connect(url, 'carol');
    await client.exchange('test.join', { room: 'carts' });
    const { token } = grantOf(client);
    client.ws.send(JSON.stringify({ type: 'test.increment', id: 'inc-1', payload: { ms: 300 } }));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await dropTcp(client, app, 'carts');
    const again = await connect(url, 'carol');
    const { result } = await resume(again, token, positionsOf(client));
    assert.equal(result.recovered, true);
    // The first run is still going: the retry waits for it.
    again.ws.send(JSON.stringify({ type: 'test.increment', id: 'inc-1', payload: { ms: 300 } }));
    const reply = await again.reply('inc-1');
    assert.deepEqual(reply, { kind: 'result', id: 'inc-1', payload: 1 });
    // Once more, after it finished: the same reply, still one run for that id.
    again.ws.send(JSON.stringify({ type: 'test.increment', id: 'inc-1', payload: { ms: 300 } }));
    const replies = await again.waitFor((frame) => frame.id === 'inc-1' && again.frames.filter((f) => f.id === 'inc-1').length === 2);
    assert.deepEqual(replies.payload, 1);
    assert.equal(runs.count, 1, 'inc-1 ran once');
    // Another id runs.
    assert.deepEqual((await ask(again, 'inc-2', 'test.increment', { ms: 1 })).payload, 2);
    await again.close();
  });

  it('restores nothing for another user\'s token, a garbage token or a spent one, and the connection keeps working', async () => {
    const { app, url } = await server();
    const dave = await connect(url, 'dave');
    await dave.exchange('test.join', { room: 'secret' });
    const { token } = grantOf(dave);
    await dropTcp(dave, app, 'secret');

    const mallory = await connect(url, 'mallory');
    const stolen = await resume(mallory, token, {});
    assert.deepEqual({ recovered: stolen.result.recovered, rooms: stolen.result.rooms, replayed: stolen.result.replayed }, { recovered: false, rooms: [], replayed: 0 });
    assert.equal(stolen.result.resume.token, grantOf(mallory).token, 'a refused resume hands back the connection\'s own token');
    const anonymous = await connect(url);
    assert.equal((await resume(anonymous, token, {})).result.recovered, false);
    const garbage = await resume(mallory, 'not-a-token', {}, 'r2');
    assert.equal(garbage.result.recovered, false);
    const huge = await resume(mallory, 'x'.repeat(10_000), {}, 'r3');
    assert.equal(huge.result.recovered, false);
    assert.equal((await mallory.exchange('test.echo', 'still here')).payload, 'still here');
    assert.equal((await anonymous.exchange('test.echo', 'me too')).payload, 'me too');

    // The owner's resume still works after those attempts: another user's attempt did not spend the token.
    const back = await connect(url, 'dave');
    const resumed = await resume(back, token, {});
    assert.equal(resumed.result.recovered, true);
    assert.deepEqual(resumed.result.rooms, ['secret']);
    // The token just used is spent.
    const replay = await connect(url, 'dave');
    assert.equal((await resume(replay, token, {})).result.recovered, false);
    assert.equal((await ask(replay, 'e-1', 'test.echo', 1)).payload, 1);
    await Promise.all([mallory.close(), anonymous.close(), back.close(), replay.close()]);
  });

  it('answers recovered:false, with no partial replay, when the history no longer reaches the client\'s position', async () => {
    const { app, url } = await server({ recovery: { ttlMs: 10_000, history: { maxEvents: 3 } } });
    const erin = await connect(url, 'erin');
    const bob = await connect(url, 'bob');
    await erin.exchange('test.join', { room: 'busy' });
    await bob.exchange('test.join', { room: 'busy' });
    await shout(bob, 'busy', ['first']);
    await erin.waitFor((frame) => frame.type === 'test.shouted');
    const positions = positionsOf(erin);
    const { token } = grantOf(erin);
    await dropTcp(erin, app, 'busy');
    await shout(bob, 'busy', ['a', 'b', 'c', 'd', 'e', 'f']);
    const again = await connect(url, 'erin');
    const { before, result } = await resume(again, token, positions);
    assert.equal(result.recovered, false);
    assert.deepEqual(result.rooms, []);
    assert.equal(before.filter((frame) => frame.type === 'test.shouted').length, 0, 'never a partial replay');
    // Nothing restored: the connection is in no room.
    const mark = again.frames.length;
    await shout(bob, 'busy', ['after']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(shoutsOf(again, mark), []);
    await Promise.all([again.close(), bob.close()]);
  });

  it('closes the old connection (4002) when it is still open, and resumes on the new one', async () => {
    const { url } = await server();
    const frank = await connect(url, 'frank');
    await frank.exchange('test.join', { room: 'r' });
    const again = await connect(url, 'frank');
    const { result } = await resume(again, grantOf(frank).token, positionsOf(frank));
    assert.equal(result.recovered, true);
    const closed = await within(frank.closed, 5000, 'the old connection to close');
    assert.equal(closed.code, 4002);
    await again.close();
  });

  it('replays events to the user and to the connection, and keeps no volatile nor to.all() event', async () => {
    const { app, url } = await server();
    const gina = await connect(url, 'gina');
    const id = idOf(gina);
    const { token } = grantOf(gina);
    await gina.exchange('test.join', { room: 'x' });
    await dropTcp(gina, app, 'x');
    const bob = await connect(url, 'bob');
    await bob.exchange('test.shout', { text: 'to-user', audience: 'user', id: 'gina' });
    await bob.exchange('test.shout', { text: 'to-connection', audience: 'connection', id });
    await bob.exchange('test.shout', { text: 'to-all', audience: 'all' });
    const again = await connect(url, 'gina');
    const { before, result } = await resume(again, token, {});
    assert.equal(result.recovered, true);
    assert.deepEqual(before.filter((frame) => frame.type === 'test.shouted').map((frame) => [frame.stream, (frame.payload as { text: string }).text]).sort(), [
      [`connection:${id}`, 'to-connection'],
      ['user:gina', 'to-user'],
    ]);
    await Promise.all([again.close(), bob.close()]);
  });

  it('leaves protocol v1 unchanged when recovery is off: no resume grant, no stream nor pos, no session.resume', async () => {
    const { app, url } = await serve({ setup: (application) => void registerFixtures(application) });
    apps.push(app);
    const client = await connect(url);
    const hello = client.frames.find((frame) => frame.type === 'session.connected') as { payload: Record<string, unknown> };
    assert.deepEqual(Object.keys(hello.payload).sort(), ['connectionId', 'user']);
    await client.exchange('test.join', { room: 'v1' });
    await client.exchange('test.shout', { text: 'hi', audience: 'room', id: 'v1' });
    const event = await client.waitFor((frame) => frame.type === 'test.shouted');
    assert.deepEqual(Object.keys(event).sort(), ['kind', 'payload', 'type']);
    const reply = await client.exchange('session.resume', { token: 'x' });
    assert.equal(reply.error?.code, 'UNKNOWN_COMMAND');
    const types = Object.values(app.asyncapi({ title: 't', version: '1' }).operations ?? {}).map((operation) => JSON.stringify(operation));
    assert.ok(!types.some((text) => text.includes('session.resume')));
    await client.close();
  });

  it('counts resumes by outcome and the events they replayed in the Prometheus metrics', async () => {
    const registry = new Registry();
    const { app, url } = await server({ telemetry: new PrometheusMetrics({ registry }) });
    const hana = await connect(url, 'hana');
    await hana.exchange('test.join', { room: 'm' });
    const { token } = grantOf(hana);
    await dropTcp(hana, app, 'm');
    const bob = await connect(url, 'bob');
    await bob.exchange('test.shout', { text: 'x', audience: 'room', id: 'm' });
    await bob.exchange('test.shout', { text: 'y', audience: 'room', id: 'm' });
    const again = await connect(url, 'hana');
    assert.equal((await resume(again, token, {})).result.replayed, 2);
    assert.equal((await resume(bob, 'garbage', {})).result.recovered, false);
    const text = await registry.metrics();
    assert.match(text, /switchyard_recovery_resumes_total\{outcome="recovered"\} 1/);
    assert.match(text, /switchyard_recovery_resumes_total\{outcome="refused"\} 1/);
    assert.match(text, /switchyard_recovery_replayed_events_total 2/);
    await Promise.all([again.close(), bob.close()]);
  });

  it('lists session.resume in the AsyncAPI document when recovery is on, and the document stays valid', async () => {
    const { app } = await server();
    const document = app.asyncapi({ title: 't', version: '1' });
    assert.ok(JSON.stringify(document).includes('session.resume'));
    assert.deepEqual((await parseAsyncApi(document)).errors, []);
  });
});
