import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { ClientError, ServerError } from '../../src/client/index.js';
import { startDemoServer, type DemoServer } from '../../demo/demo-server.js';
import { RoomState } from '../../demo/contract.js';
import { collect, connectDemoClient, nextEvent, type DemoClient } from '../support/demo-client.js';

const logger = pino({ level: 'silent' });

describe('demo commands over real ws', { timeout: 20_000 }, () => {
  let server: DemoServer;
  const clients: DemoClient[] = [];
  const connect = async (user?: string): Promise<DemoClient> => {
    const client = await connectDemoClient(server.wsUrl, user);
    clients.push(client);
    return client;
  };

  before(async () => {
    server = await startDemoServer({ port: 0, roomCapacity: 2, logger });
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await server.close();
  });

  it('echo answers its payload', async () => {
    const client = await connect();
    assert.deepEqual(await client.request('echo', { nested: [1, 'two'] }), { nested: [1, 'two'] });
  });

  it('room.join answers the members; the others in the room get room.joined, the sender does not', async () => {
    const ada = await connect('ada');
    const bob = await connect('bob');
    const adaJoined = collect(ada, 'room.joined');
    await ada.request('room.join', { room: 'r-join' });
    const announced = nextEvent(ada, 'room.joined');
    const reply = await bob.request('room.join', { room: 'r-join' });
    assert.equal(reply.room, 'r-join');
    assert.deepEqual(reply.members.map((m) => m.userId).sort(), ['ada', 'bob']);
    assert.deepEqual(await announced, { room: 'r-join', member: { connectionId: bob.session?.connectionId, userId: 'bob' } });
    // Events are written before the reply on the same socket, so after the reply nothing more is on its way.
    const bobJoined = collect(bob, 'room.joined');
    await bob.request('echo', null);
    assert.equal(bobJoined.length, 0);
    assert.equal(adaJoined.length, 1);
  });

  it('a full room answers ROOM_FULL', async () => {
    const [a, b, c] = [await connect('a'), await connect('b'), await connect('c')];
    await a.request('room.join', { room: 'r-full' });
    await b.request('room.join', { room: 'r-full' });
    await assert.rejects(c.request('room.join', { room: 'r-full' }), (error: unknown) => error instanceof ServerError && error.code === 'ROOM_FULL');
    // Joining again a room one is in is not a new seat.
    assert.equal((await a.request('room.join', { room: 'r-full' })).members.length, 2);
  });

  it('a late joiner gets the recent messages of the most active member, asked with room.state', async () => {
    // The test server's rooms hold two sessions.
    const [ada, bob] = [await connect('ada'), await connect('bob')];
    await ada.request('room.join', { room: 'r-late' });
    await ada.request('chat.say', { room: 'r-late', text: 'one' });
    await ada.request('chat.say', { room: 'r-late', text: 'two' });
    const asked: string[] = [];
    ada.handle(RoomState, ({ room }) => {
      asked.push(room);
      return { messages: [{ room, from: 'ada', text: 'as ada saw it', at: 1 }] };
    });
    const reply = await bob.request('room.join', { room: 'r-late' });
    assert.deepEqual(asked, ['r-late'], 'ada spoke most: she is asked');
    assert.deepEqual([reply.recentSource, reply.recent], ['member', [{ room: 'r-late', from: 'ada', text: 'as ada saw it', at: 1 }]]);
  });

  it('a late joiner gets the server\'s recent messages when the most active member cannot answer', async () => {
    const [ada, bob] = [await connect('ada'), await connect('bob')];
    await ada.request('room.join', { room: 'r-fallback' });
    await ada.request('chat.say', { room: 'r-fallback', text: 'kept by the server' });
    // ada answers no room.state: she refuses UNKNOWN_COMMAND, and the server's buffer is used.
    const reply = await bob.request('room.join', { room: 'r-fallback' });
    assert.equal(reply.recentSource, 'server');
    assert.deepEqual(reply.recent.map((message) => [message.from, message.text]), [['ada', 'kept by the server']]);
    // An answer that breaks the schema is no better than none.
    await bob.request('room.leave', { room: 'r-fallback' });
    ada.handle(RoomState, () => ({ messages: 'all of them' }) as never);
    assert.equal((await bob.request('room.join', { room: 'r-fallback' })).recentSource, 'server');
  });

  it('room.leave: the others get room.left', async () => {
    const ada = await connect('ada');
    const bob = await connect('bob');
    await ada.request('room.join', { room: 'r-leave' });
    await bob.request('room.join', { room: 'r-leave' });
    const left = nextEvent(ada, 'room.left');
    assert.deepEqual(await bob.request('room.leave', { room: 'r-leave' }), { room: 'r-leave' });
    assert.deepEqual(await left, { room: 'r-leave', member: { connectionId: bob.session?.connectionId, userId: 'bob' } });
  });

  it('a disconnect counts as leaving: the others in each of its rooms get room.left', async () => {
    const ada = await connect('ada');
    const bob = await connect('bob');
    await ada.request('room.join', { room: 'r-gone' });
    await bob.request('room.join', { room: 'r-gone' });
    const bobId = bob.session?.connectionId;
    const left = nextEvent(ada, 'room.left');
    await bob.close();
    assert.deepEqual(await left, { room: 'r-gone', member: { connectionId: bobId, userId: 'bob' } });
  });

  it('chat.say answers a messageId; the room except the sender gets chat.message; others outside do not', async () => {
    const ada = await connect('ada');
    const bob = await connect('bob');
    const eve = await connect('eve');
    await ada.request('room.join', { room: 'r-chat' });
    await bob.request('room.join', { room: 'r-chat' });
    const adaMessages = collect(ada, 'chat.message');
    const eveMessages = collect(eve, 'chat.message');
    const heard = nextEvent(bob, 'chat.message');
    const before = Date.now();
    const { messageId } = await ada.request('chat.say', { room: 'r-chat', text: 'hello' });
    assert.equal(typeof messageId, 'string');
    const message = await heard;
    assert.deepEqual({ ...message, at: 0 }, { room: 'r-chat', from: 'ada', text: 'hello', at: 0 });
    assert.ok(message.at >= before && message.at <= Date.now());
    await eve.request('echo', null);
    assert.equal(adaMessages.length, 0);
    assert.equal(eveMessages.length, 0);
  });

  it('chat.say in a room not joined answers FORBIDDEN', async () => {
    const ada = await connect('ada');
    await assert.rejects(ada.request('chat.say', { room: 'r-elsewhere', text: 'hi' }), { name: 'ServerError', code: 'FORBIDDEN' });
  });

  it('cart.addItem answers the cart, merges equal lines, and every session of the user gets cart.updated', async () => {
    const tab1 = await connect('carol');
    const tab2 = await connect('carol');
    const other = await connect('dave');
    const otherUpdates = collect(other, 'cart.updated');
    const updated1 = nextEvent(tab1, 'cart.updated');
    const updated2 = nextEvent(tab2, 'cart.updated');
    await tab1.request('cart.addItem', { itemId: 'mug', quantity: 1, color: 'red' });
    const cart = await tab2.request('cart.addItem', { itemId: 'mug', quantity: 2, color: 'red' });
    assert.deepEqual(cart, { userId: 'carol', lines: [{ itemId: 'mug', quantity: 3, color: 'red' }], totalQuantity: 3 });
    assert.equal((await updated1).userId, 'carol');
    assert.equal((await updated2).userId, 'carol');
    const withSize = await tab1.request('cart.addItem', { itemId: 'mug', quantity: 1, color: 'red', size: 'L' });
    assert.equal(withSize.lines.length, 2, 'another size is another line');
    assert.deepEqual(await tab2.request('cart.get', {}), withSize);
    await other.request('echo', null);
    assert.equal(otherUpdates.length, 0);
    assert.deepEqual(await other.request('cart.get', {}), { userId: 'dave', lines: [], totalQuantity: 0 });
  });

  it('carts need a user: an anonymous connection gets UNAUTHORIZED', async () => {
    const anonymous = await connect();
    await assert.rejects(anonymous.request('cart.get', {}), { code: 'UNAUTHORIZED' });
    await assert.rejects(anonymous.request('cart.addItem', { itemId: 'tea', quantity: 1 }), { code: 'UNAUTHORIZED' });
  });

  it('a bad quantity answers INVALID_PAYLOAD', async () => {
    const ada = await connect('ada');
    await assert.rejects(ada.request('cart.addItem', { itemId: 'tea', quantity: 0 }), (error: unknown) => {
      assert.ok(error instanceof ClientError);
      assert.equal(error.code, 'INVALID_PAYLOAD');
      return true;
    });
  });
});
