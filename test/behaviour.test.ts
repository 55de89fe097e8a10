/**
 * The bus's observable behaviour, run once per transport: the WebSocket
 * transport with real sockets, the HTTP transport (commands posted, events
 * over Server-Sent Events) and the memory transport must be
 * indistinguishable to a client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CommandError, ErrorCode, MAX_ID_LENGTH, type Middleware, type ServerFrame } from '../src/index.js';
import { Add, Boom, Delay, Echo, Join, Refuse, SECRET, Shout, Shouted, Slow, registerFixtures } from './support/fixtures.js';
import { httpHarness, memoryHarness, websocketHarness, type Running, type TestClient } from './support/harness.js';
import { eventually, serve } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

const isError = (frame: ServerFrame): frame is Extract<ServerFrame, { kind: 'error' }> => frame.kind === 'error';

async function rejection(promise: Promise<unknown>): Promise<CommandError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CommandError, `expected a CommandError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

/** Middleware that notes each handler failure, then lets the bus answer as it would have. */
function recordFailures(failures: string[]): Middleware {
  return async (ctx, next) => {
    try {
      return await next();
    } catch (error) {
      failures.push(`${ctx.connectionId} ${ctx.type}`);
      throw error;
    }
  };
}

/** Proves every earlier frame for `client` has arrived: replies on one connection are ordered. */
async function settled(client: TestClient): Promise<void> {
  await client.request(Echo, 'barrier');
}

for (const harness of [websocketHarness, httpHarness, memoryHarness]) {
  describe(harness.name, () => {
    let server: Running;
    const aborted: string[] = [];

    // "<connection id> <command type>" of every handler that failed, as the middleware around it saw.
    const failures: string[] = [];

    before(async () => {
      server = await harness.start((app) => registerFixtures(app, aborted).use(recordFailures(failures)), { commandTimeoutMs: 150, limits: { maxPendingCommands: 200 } });
    });
    after(() => server.close());

    describe('replies', () => {
      it('answers a command with an id exactly once, correlated by that id', async () => {
        const client = await server.connect();
        client.sendRaw('{"type":"test.echo","id":"a-1","payload":{"n":1}}');
        client.sendRaw('{"type":"test.echo","id":"a-2","payload":{"n":2}}');
        const [first, second] = await Promise.all(['a-1', 'a-2'].map((id) => client.waitFor((frame) => frame.kind === 'result' && frame.id === id)));
        assert.deepEqual([first, second], [
          { kind: 'result', id: 'a-1', payload: { n: 1 } },
          { kind: 'result', id: 'a-2', payload: { n: 2 } },
        ]);
        await settled(client);
        assert.equal(client.frames.filter((frame) => frame.kind !== 'event').length, 3, 'two replies and the barrier, nothing more');
      });

      it('sends the validated payload to the handler and its result back', async () => {
        const client = await server.connect();
        assert.equal(await client.request(Add, { a: 2, b: 40 }), 42);
      });

      it('keeps each id with its own result when many commands run at once on one connection', async () => {
        const client = await server.connect();
        const count = 200;
        const results = await Promise.all(Array.from({ length: count }, (_, n) => client.request(Delay, { ms: (n * 7) % 23, n })));
        assert.deepEqual(results, Array.from({ length: count }, (_, n) => n));
      });

      it('runs a fire-and-forget command and sends no reply for it', async () => {
        const client = await server.connect();
        client.send(Shout, { text: 'quiet', audience: 'connection', id: client.connectionId });
        assert.deepEqual(await client.nextEvent(Shouted), { text: 'quiet', from: client.connectionId });
        await settled(client);
        assert.equal(client.frames.filter((frame) => frame.kind !== 'event').length, 1, 'only the barrier was answered');
      });

      it('reports no handler failure for a fire-and-forget command', async () => {
        const client = await server.connect();
        client.send(Boom, {});
        await eventually(() => failures.includes(`${client.connectionId} ${Boom.type}`), 2000, 'the failure to be reported');
        await settled(client);
        assert.deepEqual(client.frames.filter(isError), [], 'the handler failed, and the client heard nothing of it');
      });
    });

    describe('errors', () => {
      const badFrames: Array<[string, string]> = [
        ['text that is not JSON', 'hello?'],
        ['a JSON array', '[{"type":"test.echo"}]'],
        ['a JSON string', '"test.echo"'],
        ['null', 'null'],
        ['an object without a type', '{"payload":{}}'],
        ['an empty type', '{"type":""}'],
        ['a type that is not a string', '{"type":42}'],
        ['an id that is not a string', '{"type":"test.echo","id":7}'],
        [`an id over ${MAX_ID_LENGTH} characters`, JSON.stringify({ type: 'test.echo', id: 'x'.repeat(MAX_ID_LENGTH + 1) })],
      ];
      for (const [what, frame] of badFrames) {
        it(`answers ${what} with BAD_FRAME and keeps the socket open`, async () => {
          const client = await server.connect();
          client.sendRaw(frame);
          const reply = await client.waitFor(isError);
          assert.ok(isError(reply));
          assert.equal(reply.error.code, ErrorCode.BAD_FRAME);
          assert.equal(reply.id, undefined);
          assert.equal(await client.request(Echo, 'still here'), 'still here');
        });
      }

      it('correlates BAD_FRAME by id when the id could be read', async () => {
        const client = await server.connect();
        client.sendRaw('{"id":"x1","payload":{}}');
        const reply = await client.waitFor(isError);
        assert.ok(isError(reply));
        assert.equal(reply.id, 'x1');
        assert.equal(reply.error.code, ErrorCode.BAD_FRAME);
      });

      it('answers an unknown type with UNKNOWN_COMMAND, with or without an id', async () => {
        const client = await server.connect();
        client.sendRaw('{"type":"nope.nothing","id":"u1"}');
        client.sendRaw('{"type":"nope.nothing"}');
        const errors = await Promise.all([
          client.waitFor((frame) => isError(frame) && frame.id === 'u1'),
          client.waitFor((frame) => isError(frame) && frame.id === undefined),
        ]);
        for (const frame of errors) assert.ok(isError(frame) && frame.error.code === ErrorCode.UNKNOWN_COMMAND);
      });

      it('answers a payload that fails its schema with INVALID_PAYLOAD and the issues as details', async () => {
        const client = await server.connect();
        const error = await rejection(client.request(Add, { a: 1, b: 'two' } as never));
        assert.equal(error.code, ErrorCode.INVALID_PAYLOAD);
        assert.match(error.message, /^b: /);
        assert.deepEqual(
          error.details.map((detail) => (detail as { path: string }).path),
          ['b'],
        );
      });

      it('reports INVALID_PAYLOAD even without an id: the command never reached its handler', async () => {
        const client = await server.connect();
        client.sendRaw('{"type":"test.add","payload":{"a":1}}');
        const reply = await client.waitFor(isError);
        assert.ok(isError(reply) && reply.error.code === ErrorCode.INVALID_PAYLOAD);
      });

      it('passes a CommandError thrown by a handler through as is', async () => {
        const client = await server.connect();
        const error = await rejection(client.request(Refuse, {}));
        assert.equal(error.code, 'ROOM_FULL');
        assert.equal(error.message, 'the room is full');
        assert.deepEqual(error.details, [{ capacity: 2 }]);
      });

      it('turns any other exception into INTERNAL, leaking no message, stack or path', async () => {
        const client = await server.connect();
        client.sendRaw('{"type":"test.boom","id":"b1","payload":{}}');
        const reply = await client.waitFor((frame) => isError(frame) && frame.id === 'b1');
        assert.ok(isError(reply));
        assert.deepEqual(reply.error, { code: ErrorCode.INTERNAL, message: 'internal error', details: [] });
        const raw = JSON.stringify(client.frames);
        for (const leak of ['hunter2', '/srv/', 'at ', 'Error:', SECRET]) assert.ok(!raw.includes(leak), `frames leak ${leak}`);
      });

      it('answers TIMEOUT when a handler outlives the command timeout, and aborts its signal', async () => {
        const client = await server.connect();
        const error = await rejection(client.request(Slow, { ms: 5000 }));
        assert.equal(error.code, ErrorCode.TIMEOUT);
        assert.equal(aborted.length, 1);
      });
    });

    describe('audiences', () => {
      it('delivers to one connection', async () => {
        const [alice, bob, carol] = [await server.connect(), await server.connect(), await server.connect()];
        await alice.request(Shout, { text: 'psst', audience: 'connection', id: bob.connectionId });
        assert.equal((await bob.nextEvent(Shouted)).text, 'psst');
        await Promise.all([settled(alice), settled(carol)]);
        assert.deepEqual([alice.events(Shouted), carol.events(Shouted)], [[], []]);
      });

      it('delivers to every session of a user, and to no one else', async () => {
        const phone = await server.connect({ id: 'ada' });
        const laptop = await server.connect({ id: 'ada' });
        const other = await server.connect({ id: 'bob' });
        await other.request(Shout, { text: 'for ada', audience: 'user', id: 'ada' });
        const received = await Promise.all([phone.nextEvent(Shouted), laptop.nextEvent(Shouted)]);
        assert.deepEqual(received.map((event) => event.text), ['for ada', 'for ada']);
        await settled(other);
        assert.deepEqual(other.events(Shouted), []);
      });

      it('delivers to the members of a room only, the sender included unless excepted', async () => {
        const [alice, bob, outsider] = [await server.connect(), await server.connect(), await server.connect()];
        await alice.request(Join, { room: 'r1' });
        await bob.request(Join, { room: 'r1' });
        await alice.request(Shout, { text: 'one', audience: 'room', id: 'r1' });
        await alice.request(Shout, { text: 'two', audience: 'room', id: 'r1', exceptSender: true });
        await bob.waitFor((frame) => frame.kind === 'event' && (frame.payload as { text: string }).text === 'two');
        await Promise.all([settled(alice), settled(outsider)]);
        assert.deepEqual(bob.events(Shouted).map((event) => event.text), ['one', 'two']);
        assert.deepEqual(alice.events(Shouted).map((event) => event.text), ['one']);
        assert.deepEqual(outsider.events(Shouted), []);
      });

      it('delivers to everyone, or everyone but the sender', async () => {
        const clients = [await server.connect(), await server.connect(), await server.connect()];
        const [sender, ...others] = clients as [TestClient, ...TestClient[]];
        await sender.request(Shout, { text: 'all', audience: 'all' });
        await sender.request(Shout, { text: 'all-but-me', audience: 'all', exceptSender: true });
        for (const other of others) await other.waitFor((frame) => frame.kind === 'event' && (frame.payload as { text: string }).text === 'all-but-me');
        await settled(sender);
        assert.deepEqual(sender.events(Shouted).map((event) => event.text), ['all']);
        for (const other of others) assert.deepEqual(other.events(Shouted).map((event) => event.text).filter((text) => text.startsWith('all')), ['all', 'all-but-me']);
      });
    });

    describe('connections', () => {
      it('greets each connection with session.connected carrying its id and user', async () => {
        const client = await server.connect({ id: 'grace' });
        const hello = client.frames[0];
        assert.deepEqual(hello, { kind: 'event', type: 'session.connected', payload: { connectionId: client.connectionId, user: { id: 'grace' } } });
      });

      it("forgets a closed connection's rooms and presence, and the room goes on without it", async () => {
        const leaving = await server.connect({ id: 'lin' });
        const staying = await server.connect({ id: 'max' });
        await leaving.request(Join, { room: 'cleanup' });
        await staying.request(Join, { room: 'cleanup' });
        leaving.close();
        await eventually(async () => (await server.app.presence.members('cleanup')).length === 1, 2000, 'one member left in presence');
        assert.deepEqual((await server.app.presence.members('cleanup')).map((member) => member.connectionId), [staying.connectionId]);
        assert.deepEqual(await server.app.presence.sessions('lin'), []);
        await staying.request(Shout, { text: 'anyone?', audience: 'room', id: 'cleanup' });
        assert.equal((await staying.nextEvent(Shouted)).text, 'anyone?');
      });

      it('tells onSessionClosed listeners who closed and which rooms they left, even when another listener throws', async () => {
        const reported: unknown[] = [];
        const subscription = server.app.errors$.subscribe((error) => reported.push(error));
        const seen: Array<{ connectionId: string; user: string | undefined; rooms: readonly string[] }> = [];
        const controller = new AbortController();
        server.app.onSessionClosed(() => {
          throw new Error('listener bug');
        }, { signal: controller.signal });
        const closedOnce = new Promise<void>((resolve) => {
          const off = server.app.onSessionClosed(({ connectionId, user, rooms }) => {
            seen.push({ connectionId, user: user?.id, rooms });
            off();
            resolve();
          });
        });
        const leaving = await server.connect({ id: 'zoe' });
        await leaving.request(Join, { room: 'farewell-a' });
        await leaving.request(Join, { room: 'farewell-b' });
        leaving.close();
        await closedOnce;
        controller.abort();
        subscription.unsubscribe();
        assert.deepEqual(seen, [{ connectionId: leaving.connectionId, user: 'zoe', rooms: ['farewell-a', 'farewell-b'] }]);
        assert.deepEqual(reported.map(String), ['Error: listener bug']);
      });

      it('lets a malformed frame on one connection affect no other connection', async () => {
        const [attacker, bystander] = [await server.connect(), await server.connect()];
        await bystander.request(Join, { room: 'calm' });
        for (const frame of ['{', '[]', '{"type":null}', '\u0000\uffff', '{"type":"test.echo","id":{}}']) attacker.sendRaw(frame);
        assert.equal(await bystander.request(Add, { a: 1, b: 1 }), 2);
        await settled(attacker);
        assert.equal(attacker.frames.filter(isError).length, 5);
        assert.deepEqual(bystander.frames.filter(isError), []);
      });
    });
  });
}

// The indexes are the hub's own: only a transport's stats show them (the memory transport has none).
describe('WebSocket transport: what a closed connection leaves behind', () => {
  it('forgets a closed connection everywhere: rooms, user index, presence', async () => {
    const { app, transport, url } = await serve({
      transport: { authenticate: (request) => ({ id: String(request.headers['x-user']) }) },
      setup: (app) => registerFixtures(app),
    });
    try {
      const leaving = await WsTestClient.connect(url, { headers: { 'x-user': 'lin' } });
      const staying = await WsTestClient.connect(url, { headers: { 'x-user': 'max' } });
      for (const [client, room] of [[leaving, 'cleanup'], [staying, 'cleanup'], [leaving, 'lin-only']] as const) {
        assert.equal((await client.exchange(Join.type, { room })).kind, 'result');
      }
      assert.deepEqual(transport.stats, { connections: 2, users: 2, rooms: 2 });
      await leaving.close();
      await eventually(() => transport.stats.connections === 1, 2000, 'one connection left');
      assert.deepEqual(transport.stats, { connections: 1, users: 1, rooms: 1 }, 'lin has left the user index, and lin-only is gone');
      assert.deepEqual(await app.presence.sessions('lin'), []);
      assert.deepEqual(await app.presence.members('lin-only'), []);
      await staying.close();
      await eventually(() => transport.stats.connections === 0, 2000, 'no connection left');
      assert.deepEqual(transport.stats, { connections: 0, users: 0, rooms: 0 });
    } finally {
      await app.close();
    }
  });
});
