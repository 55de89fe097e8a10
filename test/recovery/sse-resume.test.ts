/**
 * Event streams that survive a reconnect: with recovery on, each event that
 * moves the session's resume cursor carries it as its SSE `id:`, and a stream
 * opened with `Last-Event-ID` resumes the session it names: the missed events
 * once each and in order, then `session.resumed`. With the `eventsource`
 * package reconnecting by itself, with our client, across two nodes on
 * Redis, and with ids that resume nothing.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import { HttpTransport, Switchyard, type ServerFrame, type SwitchyardOptions } from '../../src/index.js';
import { SseCursor } from '../../src/transport/http/sse-cursor.js';
import { createRedisScaleOut, redisRecoveryStore, type RedisScaleOut } from '../../src/redis.js';
import { Echo, Join, Shout, registerFixtures } from '../support/fixtures.js';
import { testLogger } from '../support/harness.js';
import { HttpTestClient } from '../support/http-test-client.js';
import { uniquePrefix, useRedis } from '../support/redis.js';
import { eventually, within } from '../support/socket-harness.js';
import { headerUser } from './support.js';

interface Node {
  readonly app: Switchyard;
  readonly base: string;
  /** The TCP connections of the event streams opened on this node, newest last. */
  readonly streams: Socket[];
}

const nodes: Array<{ app: Switchyard; server: Server; scaleOut?: RedisScaleOut }> = [];

after(async () => {
  for (const { app, server, scaleOut } of nodes) {
    await app.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await scaleOut?.close();
  }
});

/** An application with recovery on, served over HTTP on its own 127.0.0.1 server; `retryMs` tells EventSources how soon to reconnect. */
async function node(options: SwitchyardOptions = { recovery: { ttlMs: 10_000 } }, scaleOut?: RedisScaleOut): Promise<Node> {
  const app = registerFixtures(new Switchyard({ logger: testLogger(), ...options }));
  const server = createServer();
  nodes.push({ app, server, scaleOut });
  await app.listen(new HttpTransport({ server, authenticate: headerUser, retryMs: 200 }));
  const streams: Socket[] = [];
  // Beside the transport's own listener: it only watches which connections carry event streams.
  server.on('request', (request: IncomingMessage) => {
    if (request.url === '/events') streams.push(request.socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { app, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, streams };
}

function connect(base: string, user: string, lastEventId?: string): Promise<HttpTestClient> {
  return HttpTestClient.connect(base, { headers: { 'x-user': user, ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) } });
}

/** Bob (the publisher) on `bobBase` and alice on `aliceBase`, both in the lobby. */
async function lobby(bobBase: string, aliceBase = bobBase): Promise<{ bob: HttpTestClient; alice: HttpTestClient }> {
  const bob = await connect(bobBase, 'bob');
  await bob.request(Join, { room: 'lobby' });
  const alice = await connect(aliceBase, 'alice');
  await alice.request(Join, { room: 'lobby' });
  return { bob, alice };
}

async function shout(publisher: HttpTestClient, room: string, texts: readonly string[]): Promise<void> {
  for (const text of texts) await publisher.request(Shout, { text, audience: 'room', id: room, exceptSender: true });
}

/** Whether a frame is the event `type` (and, with `text`, a shout saying it). */
function isEvent(frame: ServerFrame, type: string, text?: string): boolean {
  return frame.kind === 'event' && frame.type === type && (text === undefined || (frame.payload as { text: string }).text === text);
}

function shoutsOf(client: HttpTestClient, from = 0): string[] {
  return client.frames.slice(from).flatMap((frame) => (frame.kind === 'event' && frame.type === 'test.shouted' ? [(frame.payload as { text: string }).text] : []));
}

interface Resumed {
  recovered: boolean;
  rooms: string[];
  replayed: number;
}

/** What `session.resumed` said, without its grant. */
async function resumedOf(client: HttpTestClient): Promise<Resumed> {
  const frame = await client.waitFor((candidate) => isEvent(candidate, 'session.resumed'));
  const { recovered, rooms, replayed } = (frame as { payload: Resumed }).payload;
  return { recovered, rooms, replayed };
}

/** Waits until no member of `room` on `app` is `connectionId`: the server has seen the stream go. */
async function gone(app: Switchyard, room: string, connectionId: string): Promise<void> {
  await eventually(async () => !(await app.presence.members(room)).some((member) => member.connectionId === connectionId), 5000, 'the server to see the stream drop');
}

describe('SSE sessions resumed from Last-Event-ID (recovery on)', { timeout: 60_000 }, () => {
  it('an EventSource whose stream drops reconnects by itself and gets exactly the missed events, in order, then session.resumed', async () => {
    const { app, base, streams } = await node();
    const bob = await connect(base, 'bob');
    await bob.request(Join, { room: 'lobby' });
    const texts: string[] = [];
    const resumed: Resumed[] = [];
    const tokens: string[] = [];
    const source = new EventSource(`${base}/events`, { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, 'x-user': 'alice' } }) });
    source.addEventListener('test.shouted', (event) => texts.push((JSON.parse(event.data) as { text: string }).text));
    source.addEventListener('session.resumed', (event) => resumed.push(JSON.parse(event.data) as Resumed));
    source.addEventListener('session.connected', (event) => tokens.push((JSON.parse(event.data) as { sessionToken: string }).sessionToken));
    try {
      await eventually(() => tokens.length === 1, 5000, 'the stream to open');
      const join = await fetch(`${base}/commands/test.join`, { method: 'POST', headers: { 'switchyard-session': tokens[0] as string, 'content-type': 'application/json' }, body: '{"room":"lobby"}' });
      assert.equal(join.status, 200);
      const first = (await app.presence.members('lobby')).find((member) => member.userId === 'alice')?.connectionId as string;
      await shout(bob, 'lobby', ['one', 'two']);
      await eventually(() => texts.length === 2, 5000, 'the first events');

      // A network failure: the server's side of the stream is gone, no goodbye written.
      (streams.at(-1) as Socket).destroy();
      await gone(app, 'lobby', first);
      await shout(bob, 'lobby', ['three', 'four', 'five']);
      await eventually(() => resumed.length === 1, 10_000, 'the EventSource to reconnect and resume');
      assert.deepEqual({ ...resumed[0], resume: undefined }, { recovered: true, rooms: ['lobby'], replayed: 3, resume: undefined });
      assert.deepEqual(texts, ['one', 'two', 'three', 'four', 'five'], 'the missed events came before session.resumed, once each');

      await shout(bob, 'lobby', ['six']);
      await eventually(() => texts.length === 6, 5000, 'a live event after the resume');
      assert.deepEqual(texts, ['one', 'two', 'three', 'four', 'five', 'six']);
      // The new stream's token acts as the resumed session: its room came back without a join.
      const said = await fetch(`${base}/commands/test.shout`, { method: 'POST', headers: { 'switchyard-session': tokens[1] as string, 'content-type': 'application/json' }, body: '{"text":"back","audience":"room","id":"lobby","exceptSender":true}' });
      assert.equal(said.status, 200);
      await bob.waitFor((frame) => isEvent(frame, 'test.shouted', 'back'));
      assert.deepEqual(texts.slice(6), [], 'except-sender holds for the resumed session');
    } finally {
      source.close();
      bob.close();
    }
  });

  it('resumes again from the rotated cursor, and a spent cursor resumes nothing', async () => {
    const { app, base } = await node();
    const { bob, alice: first } = await lobby(base);
    let alice = first;
    await shout(bob, 'lobby', ['a1']);
    await alice.waitFor((frame) => isEvent(frame, 'test.shouted'));
    const heard: string[] = shoutsOf(alice);
    const firstCursor = alice.lastEventId as string;
    for (const round of [1, 2, 3]) {
      const cursor = alice.lastEventId as string;
      assert.ok(cursor !== undefined, 'the stream carries a resume cursor');
      alice.close();
      await gone(app, 'lobby', alice.connectionId);
      const missed = [`r${round}-x`, `r${round}-y`];
      await shout(bob, 'lobby', missed);
      const again = await connect(base, 'alice', cursor);
      assert.deepEqual(await resumedOf(again), { recovered: true, replayed: 2, rooms: ['lobby'] }, `round ${round}`);
      heard.push(...shoutsOf(again));
      alice = again;
    }
    assert.deepEqual(heard, ['a1', 'r1-x', 'r1-y', 'r2-x', 'r2-y', 'r3-x', 'r3-y']);

    // The first cursor's token was spent by the first resume.
    const stale = await connect(base, 'alice', firstCursor);
    assert.deepEqual(await resumedOf(stale), { recovered: false, rooms: [], replayed: 0 });
    assert.deepEqual(shoutsOf(stale), []);
    // The stale attempt did not take the session from the live stream.
    await shout(bob, 'lobby', ['still here']);
    await alice.waitFor((frame) => isEvent(frame, 'test.shouted', 'still here'));
    for (const client of [stale, alice, bob]) client.close();
  });

  it('a forged, foreign, spent or garbage Last-Event-ID answers recovered: false and the stream is a new session', async () => {
    const { base } = await node();
    const { bob, alice } = await lobby(base);
    await shout(bob, 'lobby', ['hello']);
    await alice.waitFor((frame) => isEvent(frame, 'test.shouted'));
    const cursor = alice.lastEventId as string;
    const { t: token } = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { t: string };
    alice.close();

    const forged = Buffer.from(JSON.stringify({ t: `${token.slice(0, -2)}AA`, p: {} })).toString('base64url');
    for (const [what, id, user] of [
      ['a forged token', forged, 'alice'],
      ['another user\'s cursor', cursor, 'mallory'],
      ['garbage', '%%%not-a-cursor', 'alice'],
      ['a JSON id of another server', Buffer.from('{"t":5}').toString('base64url'), 'alice'],
      ['an empty id', '', 'alice'],
    ] as const) {
      const client = await connect(base, user, id);
      assert.deepEqual(await resumedOf(client), { recovered: false, rooms: [], replayed: 0 }, what);
      const mark = client.frames.length;
      await shout(bob, 'lobby', [`after ${what}`]);
      // Not in the room: a new session that joined nothing hears nothing of it.
      await client.request(Echo, 'ping');
      assert.deepEqual(shoutsOf(client, mark), [], what);
      client.close();
    }
    // The mallory attempt did not spend alice's token: her own cursor still resumes.
    const back = await connect(base, 'alice', cursor);
    assert.equal((await resumedOf(back)).recovered, true);
    back.close();
    // Now it is spent.
    const twice = await connect(base, 'alice', cursor);
    assert.equal((await resumedOf(twice)).recovered, false, 'a cursor resumes once');
    twice.close();
    bob.close();
  });

  it('events published all through a drop and a resume arrive once each, in order', async () => {
    const { app, base } = await node();
    const { bob, alice } = await lobby(base);
    const texts = Array.from({ length: 150 }, (_, n) => `e${n}`);
    const publishing = shout(bob, 'lobby', texts);
    await eventually(() => shoutsOf(alice).length >= 30, 10_000, 'the first events');
    alice.close();
    const cursor = alice.lastEventId as string;
    await gone(app, 'lobby', alice.connectionId);
    const again = await connect(base, 'alice', cursor);
    await publishing;
    await eventually(() => shoutsOf(again).at(-1) === 'e149', 10_000, 'the last event');
    assert.equal((await resumedOf(again)).recovered, true);
    assert.deepEqual([...shoutsOf(alice), ...shoutsOf(again)], texts);
    again.close();
    bob.close();
  });

  it('without recovery no event carries an id, and Last-Event-ID is ignored', async () => {
    const { base } = await node({});
    const alice = await connect(base, 'alice', 'anything');
    await alice.request(Join, { room: 'lobby' });
    const bob = await connect(base, 'bob');
    await shout(bob, 'lobby', ['plain']);
    await alice.waitFor((frame) => isEvent(frame, 'test.shouted'));
    await alice.request(Echo, 'ping');
    assert.equal(alice.lastEventId, undefined);
    assert.equal(alice.frames.some((frame) => isEvent(frame, 'session.resumed')), false);
    alice.close();
    bob.close();
  });
});

describe('the SSE resume cursor', () => {
  const session = (rooms: string[]): { id: string; user: { id: string }; rooms: Set<string> } => ({ id: 'n1-1', user: { id: 'alice' }, rooms: new Set(rooms) });
  const decode = (line: string | undefined): unknown => JSON.parse(Buffer.from((line as string).slice(4, -1), 'base64url').toString());

  it('is written after each change only, and keeps a position only for the streams the session still listens to', () => {
    const cursor = new SseCursor();
    cursor.advance({ stream: 'room:a', pos: '1' }, session(['a']));
    assert.equal(cursor.pending, undefined, 'no grant, no cursor: recovery is off');
    cursor.grant('tok');
    assert.deepEqual(decode(cursor.pending), { t: 'tok', p: {} });
    cursor.written();
    assert.equal(cursor.pending, undefined);
    cursor.advance({ stream: 'room:a', pos: '2' }, session(['a', 'b']));
    cursor.advance({ stream: 'room:b', pos: '5' }, session(['a', 'b']));
    cursor.advance({ stream: 'user:alice', pos: '3' }, session(['a', 'b']));
    cursor.advance({ stream: 'connection:n1-1', pos: '4' }, session(['a', 'b']));
    assert.deepEqual(decode(cursor.pending), { t: 'tok', p: { 'room:a': '2', 'room:b': '5', 'user:alice': '3', 'connection:n1-1': '4' } });
    // The session left room a: its position goes once the map outgrows what the session listens to.
    cursor.advance({ stream: 'room:c', pos: '9' }, session(['b', 'c']));
    assert.deepEqual(decode(cursor.pending), { t: 'tok', p: { 'room:b': '5', 'user:alice': '3', 'connection:n1-1': '4', 'room:c': '9' } });
  });

  it('reads any other Last-Event-ID as a payload that resumes nothing', () => {
    const good = Buffer.from(JSON.stringify({ t: 'tok', p: { 'room:a': '2' } })).toString('base64url');
    assert.deepEqual(SseCursor.read(good), { token: 'tok', positions: { 'room:a': '2' } });
    for (const id of ['', 'x'.repeat(9000), '!!', Buffer.from('null').toString('base64url'), Buffer.from('[1]').toString('base64url')]) {
      assert.equal(SseCursor.read(id).token, '', JSON.stringify(id.slice(0, 20)));
    }
  });
});

const redis = await useRedis();

describe('SSE sessions resumed on another node (Redis)', { skip: redis.skip, timeout: 60_000 }, () => {
  it('a stream dropped on node A resumes on node B from its Last-Event-ID', async () => {
    const url = (redis as { url: string }).url;
    const prefix = uniquePrefix('sse-resume');
    const onRedis = async (): Promise<Node> => {
      const scaleOut = createRedisScaleOut({ url, keyPrefix: prefix, reconnectMaxDelayMs: 100 });
      const store = redisRecoveryStore({ url, keyPrefix: prefix, reconnectMaxDelayMs: 100 });
      const started = await node({ backplane: scaleOut.backplane, presence: scaleOut.presence, recovery: { ttlMs: 10_000, store } }, scaleOut);
      await within(Promise.all([scaleOut.ready(), store.ready()]), 10_000, 'the node to reach Redis');
      return started;
    };
    const a = await onRedis();
    const b = await onRedis();
    const { bob, alice } = await lobby(b.base, a.base);
    await shout(bob, 'lobby', ['on A']);
    await alice.waitFor((frame) => isEvent(frame, 'test.shouted'));
    const cursor = alice.lastEventId as string;
    alice.close();
    await gone(b.app, 'lobby', alice.connectionId);
    await shout(bob, 'lobby', ['m1', 'm2', 'm3']);

    const again = await connect(b.base, 'alice', cursor);
    const result = await resumedOf(again);
    assert.deepEqual(result, { recovered: true, rooms: ['lobby'], replayed: 3 });
    assert.deepEqual(shoutsOf(again), ['m1', 'm2', 'm3']);
    const mark = again.frames.length;
    await shout(bob, 'lobby', ['live']);
    await again.waitFor((frame) => isEvent(frame, 'test.shouted', 'live'));
    assert.deepEqual(shoutsOf(again, mark), ['live']);
    again.close();
    bob.close();
  });
});
