/** Sessions that survive a reconnect across nodes: two applications on one Redis, real sockets. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/socket-harness.js';
import { uniquePrefix, useRedis, type RedisServer } from '../support/redis.js';
import { ask, connect, dropTcp, grantOf, idOf, positionsOf, resume, serveWithRecovery, shout, shoutsOf, startRecoveryNode, closeRecoveryNodes, type RecoveryNode } from './support.js';

const shared = await useRedis();
const dedicated = shared.skip === undefined ? await useRedis({ dedicated: true }) : shared;

type Node = RecoveryNode;

const nodes: Node[] = [];

function node(url: string, keyPrefix: string, history?: { maxEvents?: number }): Promise<Node> {
  return startRecoveryNode(nodes, { url, keyPrefix, recovery: { history } });
}

after(() => closeRecoveryNodes(nodes));

describe('recovery across nodes on Redis', { skip: shared.skip, timeout: 60_000 }, () => {
  let a: Node;
  let b: Node;
  before(async () => {
    const prefix = uniquePrefix('recovery');
    a = await node((shared as { url: string }).url, prefix);
    b = await node((shared as { url: string }).url, prefix);
  });

  it('drops on node A and resumes on node B: exactly the missed events in order, then the result, then live events without a join', async () => {
    const alice = await connect(a.url, 'alice');
    const bob = await connect(b.url, 'bob');
    await alice.exchange('test.join', { room: 'lobby' });
    await bob.exchange('test.join', { room: 'lobby' });
    await shout(bob, 'lobby', ['before']);
    await alice.waitFor((frame) => frame.type === 'test.shouted');
    const oldId = idOf(alice);
    const { token } = grantOf(alice);
    const positions = positionsOf(alice);
    assert.ok(positions['room:lobby'] !== undefined);
    await dropTcp(alice, a.app, 'lobby');

    const missed = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'];
    await shout(bob, 'lobby', missed);
    const again = await connect(b.url, 'alice');
    const { before: replayed, result } = await resume(again, token, positions);
    assert.deepEqual(replayed.map((frame) => (frame.payload as { text: string }).text), missed);
    assert.deepEqual({ recovered: result.recovered, rooms: result.rooms, replayed: result.replayed }, { recovered: true, rooms: ['lobby'], replayed: 7 });

    const mark = again.frames.length;
    await shout(bob, 'lobby', ['live']);
    await again.waitFor((frame) => frame.type === 'test.shouted' && (frame.payload as { text: string }).text === 'live');
    assert.deepEqual(shoutsOf(again, mark), ['live']);
    const heard = bob.frames.length;
    await ask(again, 'after-1', 'test.shout', { text: 'back', audience: 'room', id: 'lobby', exceptSender: true });
    const echo = await bob.waitFor((frame) => bob.frames.indexOf(frame) >= heard && frame.type === 'test.shouted');
    assert.equal((echo.payload as { from: string }).from, oldId, 'the session keeps its connection id on node B');
    await Promise.all([again.close(), bob.close()]);
  });

  it('runs a command retried on node B once, while its first run on node A is still going, and the retry gets the first reply', async () => {
    const carol = await connect(a.url, 'carol');
    await carol.exchange('test.join', { room: 'carts' });
    const { token } = grantOf(carol);
    const before = a.runs.count + b.runs.count;
    carol.ws.send(JSON.stringify({ type: 'test.increment', id: 'inc-1', payload: { ms: 400 } }));
    await eventually(() => a.runs.count + b.runs.count > before, 5000, 'the first run to start');
    await dropTcp(carol, a.app, 'carts');
    const again = await connect(b.url, 'carol');
    assert.equal((await resume(again, token, positionsOf(carol))).result.recovered, true);
    const reply = await ask(again, 'inc-1', 'test.increment', { ms: 400 });
    assert.equal(reply.kind, 'result');
    assert.equal(a.runs.count + b.runs.count, before + 1, 'one execution');
    assert.equal(reply.payload, a.runs.count, 'the reply of the run on node A');
    const later = await ask(again, 'inc-1', 'test.increment', { ms: 400 });
    assert.equal(later.payload, reply.payload);
    assert.equal(a.runs.count + b.runs.count, before + 1);
    await again.close();
  });

  it('refuses a token of another user and a spent token across nodes, and closes a still-open old connection on the other node', async () => {
    const dave = await connect(a.url, 'dave');
    await dave.exchange('test.join', { room: 'd' });
    const { token } = grantOf(dave);
    const mallory = await connect(b.url, 'mallory');
    assert.equal((await resume(mallory, token, {})).result.recovered, false);
    const back = await connect(b.url, 'dave');
    const { result } = await resume(back, token, positionsOf(dave));
    assert.equal(result.recovered, true);
    const closed = await dave.closed;
    assert.equal(closed.code, 4002, 'the half-open connection on node A is closed');
    const replay = await connect(a.url, 'dave');
    assert.equal((await resume(replay, token, {})).result.recovered, false);
    assert.equal((await ask(replay, 'e-1', 'test.echo', 'ok')).payload, 'ok');
    await Promise.all([mallory.close(), back.close(), replay.close()]);
  });

  it('answers recovered:false when the stream was trimmed below the client\'s position', async () => {
    const prefix = uniquePrefix('recovery-trim');
    const c = await node((shared as { url: string }).url, prefix, { maxEvents: 3 });
    const d = await node((shared as { url: string }).url, prefix, { maxEvents: 3 });
    const erin = await connect(c.url, 'erin');
    const bob = await connect(d.url, 'bob');
    await erin.exchange('test.join', { room: 'busy' });
    await bob.exchange('test.join', { room: 'busy' });
    await shout(bob, 'busy', ['first']);
    await erin.waitFor((frame) => frame.type === 'test.shouted');
    const positions = positionsOf(erin);
    await dropTcp(erin, c.app, 'busy');
    await shout(bob, 'busy', ['a', 'b', 'c', 'd']);
    const again = await connect(d.url, 'erin');
    const { before: replayed, result } = await resume(again, grantOf(erin).token, positions);
    assert.equal(result.recovered, false);
    assert.equal(replayed.filter((frame) => frame.type === 'test.shouted').length, 0);
    await Promise.all([again.close(), bob.close()]);
  });
});

describe('recovery when Redis loses its data', { skip: dedicated.skip, timeout: 60_000 }, () => {
  it('answers recovered:false after a Redis restart (the history and the session are gone), and the connection still works', async () => {
    const server = (dedicated as { server: RedisServer }).server;
    const prefix = uniquePrefix('recovery-restart');
    const a = await node(server.url, prefix);
    const b = await node(server.url, prefix);
    const frank = await connect(a.url, 'frank');
    const bob = await connect(b.url, 'bob');
    await frank.exchange('test.join', { room: 'r' });
    await bob.exchange('test.join', { room: 'r' });
    await shout(bob, 'r', ['one']);
    await frank.waitFor((frame) => frame.type === 'test.shouted');
    const positions = positionsOf(frank);
    await dropTcp(frank, a.app, 'r');
    await server.stop();
    await server.restart();
    await Promise.all([a.scaleOut.ready(), b.scaleOut.ready()]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const again = await connect(b.url, 'frank');
    const { before: replayed, result } = await resume(again, grantOf(frank).token, positions);
    assert.equal(result.recovered, false);
    assert.equal(replayed.length, 0);
    assert.equal((await ask(again, 'e-1', 'test.echo', 'fine')).payload, 'fine');
    await Promise.all([again.close(), bob.close()]);
  });
});
