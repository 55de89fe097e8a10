/** JSON-RPC 2.0 clients call commands over a real socket; events arrive as notifications. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { JsonRpcErrorCode, Switchyard, WebSocketTransport, jsonRpcCodec } from '../src/index.js';
import { registerFixtures } from './support/fixtures.js';
import { eventually, within } from './support/socket-harness.js';
import { testLogger } from './support/harness.js';

type Message = Record<string, unknown>;

/** A bare JSON-RPC 2.0 client: what an off-the-shelf one sends and expects. */
class RpcPeer {
  readonly received: Message[] = [];
  readonly #ws: WebSocket;
  #waiters: Array<{ match: (message: Message) => boolean; resolve: (message: Message) => void }> = [];

  constructor(url: string) {
    this.#ws = new WebSocket(url);
    this.#ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as Message;
      this.received.push(message);
      this.#waiters = this.#waiters.filter((waiter) => (waiter.match(message) ? (waiter.resolve(message), false) : true));
    });
  }

  async opened(): Promise<void> {
    await new Promise((resolve, reject) => this.#ws.once('open', resolve).once('error', reject));
  }

  send(message: unknown): void {
    this.#ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  next(match: (message: Message) => boolean): Promise<Message> {
    const seen = this.received.find(match);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  close(): void {
    this.#ws.close();
  }
}

describe('JSON-RPC 2.0 codec over ws', () => {
  let app: Switchyard;
  let url: string;

  before(async () => {
    app = registerFixtures(new Switchyard({ logger: testLogger(), codec: jsonRpcCodec }));
    const transport = await app.listen(new WebSocketTransport({ port: 0 }));
    url = `ws://127.0.0.1:${transport.address.port}/ws`;
  });
  after(() => app.close());

  async function peer(): Promise<RpcPeer> {
    const client = new RpcPeer(url);
    await client.opened();
    return client;
  }

  it('greets with a session.connected notification', async () => {
    const client = await peer();
    const hello = await client.next((message) => message['method'] === 'session.connected');
    assert.equal(hello['jsonrpc'], '2.0');
    assert.equal(typeof (hello['params'] as { connectionId: unknown }).connectionId, 'string');
    client.close();
  });

  it('answers a request with its result, keeping numeric and string ids as sent', async () => {
    const client = await peer();
    client.send({ jsonrpc: '2.0', method: 'test.add', params: { a: 1, b: 2 }, id: 1 });
    client.send({ jsonrpc: '2.0', method: 'test.echo', params: ['x'], id: 'abc' });
    assert.deepEqual(await client.next((message) => message['id'] === 1), { jsonrpc: '2.0', id: 1, result: 3 });
    assert.deepEqual(await client.next((message) => message['id'] === 'abc'), { jsonrpc: '2.0', id: 'abc', result: ['x'] });
    client.close();
  });

  it('maps errors to JSON-RPC codes and keeps the Switchyard code in data', async () => {
    const client = await peer();
    client.send({ jsonrpc: '2.0', method: 'nope', id: 2 });
    client.send({ jsonrpc: '2.0', method: 'test.add', params: { a: 1 }, id: 3 });
    client.send({ jsonrpc: '2.0', method: 'test.refuse', id: 4 });
    client.send({ jsonrpc: '2.0', method: 'test.boom', id: 5 });
    const errorOf = async (id: number) => (await client.next((message) => message['id'] === id))['error'] as { code: number; data: { code: string } };
    assert.deepEqual([(await errorOf(2)).code, (await errorOf(2)).data.code], [JsonRpcErrorCode.METHOD_NOT_FOUND, 'UNKNOWN_COMMAND']);
    assert.deepEqual([(await errorOf(3)).code, (await errorOf(3)).data.code], [JsonRpcErrorCode.INVALID_PARAMS, 'INVALID_PAYLOAD']);
    assert.deepEqual([(await errorOf(4)).code, (await errorOf(4)).data.code], [JsonRpcErrorCode.SERVER_ERROR, 'ROOM_FULL']);
    assert.deepEqual([(await errorOf(5)).code, (await errorOf(5)).data.code], [JsonRpcErrorCode.INTERNAL_ERROR, 'INTERNAL']);
    client.close();
  });

  it('answers unreadable frames with id null, and an empty batch with one Invalid Request', async () => {
    const client = await peer();
    client.send('{oops');
    const parse = await client.next((message) => message['id'] === null);
    assert.equal((parse['error'] as { code: number }).code, JsonRpcErrorCode.PARSE_ERROR);
    client.send([]);
    const empty = await client.next((message) => message['id'] === null && (message['error'] as { code: number }).code === JsonRpcErrorCode.INVALID_REQUEST);
    assert.match((empty['error'] as { message: string }).message, /batch/);
    client.close();
  });

  it('answers a batch with one array of responses in order, leaving its notifications out', async () => {
    const client = await peer();
    client.send([
      { jsonrpc: '2.0', method: 'test.add', params: { a: 2, b: 3 }, id: 1 },
      { jsonrpc: '2.0', method: 'test.shout', params: { text: 'in a batch', audience: 'connection', id: 'nobody' } },
      { jsonrpc: '2.0', method: 'nope', id: 'two' },
      1,
      { jsonrpc: '2.0', method: 'test.echo', params: 'last', id: 9007199254740993 },
    ]);
    const batch = (await client.next((message) => Array.isArray(message))) as unknown as Message[];
    assert.equal(batch.length, 4, 'four responses: the notification has none');
    assert.deepEqual(batch[0], { jsonrpc: '2.0', id: 1, result: 5 });
    assert.deepEqual([batch[1]?.['id'], (batch[1]?.['error'] as { code: number }).code], ['two', JsonRpcErrorCode.METHOD_NOT_FOUND]);
    assert.deepEqual([batch[2]?.['id'], (batch[2]?.['error'] as { code: number }).code], [null, JsonRpcErrorCode.INVALID_REQUEST]);
    assert.equal(batch[3]?.['result'], 'last');
    client.close();
  });

  it('sends nothing for a batch of notifications', async () => {
    const client = await peer();
    client.send([
      { jsonrpc: '2.0', method: 'test.echo', params: 1 },
      { jsonrpc: '2.0', method: 'nope' },
    ]);
    client.send({ jsonrpc: '2.0', method: 'test.echo', params: 'barrier', id: 'b' });
    await client.next((message) => message['id'] === 'b');
    assert.deepEqual(client.received.filter((message) => Array.isArray(message) || 'result' in message || 'error' in message).length, 1, 'only the barrier was answered');
    client.close();
  });

  it('runs notifications without answering them, even when they fail', async () => {
    const client = await peer();
    client.send({ jsonrpc: '2.0', method: 'nope' });
    client.send({ jsonrpc: '2.0', method: 'test.shout', params: { text: 'hey', audience: 'all' } });
    const event = await client.next((message) => message['method'] === 'test.shouted');
    assert.equal((event['params'] as { text: string }).text, 'hey');
    client.send({ jsonrpc: '2.0', method: 'test.echo', params: 'barrier', id: 'b' });
    await client.next((message) => message['id'] === 'b');
    assert.deepEqual(client.received.filter((message) => 'error' in message), []);
    client.close();
  });

  // Regression: ids past 2^53 came back rounded (9007199254740993 answered as 9007199254740992).
  it('answers numeric ids exactly as sent, beyond 2^53 and with fractions too', { timeout: 10_000 }, async () => {
    const ws = new WebSocket(url);
    const replies: string[] = [];
    ws.on('message', (data: Buffer) => replies.push(data.toString()));
    await within(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 5000, 'the socket to open');
    const ids = ['9007199254740993', '-9007199254740993', '123456789012345678901234567890', '1.5', '0.30000000000000004', '7'];
    for (const id of ids) ws.send(`{"jsonrpc":"2.0","method":"test.echo","params":"x","id":${id}}`);
    // One more than the 128-character bound on ids: refused, like a string id that long.
    ws.send(`{"jsonrpc":"2.0","method":"test.echo","params":"x","id":${'9'.repeat(129)}}`);
    await eventually(() => replies.length >= ids.length + 2, 5000, 'a reply to every request, and the greeting');
    for (const id of ids) assert.ok(replies.includes(`{"jsonrpc":"2.0","id":${id},"result":"x"}`), `the reply to id ${id} in ${replies.join('\n')}`);
    const refused = JSON.parse(replies.find((reply) => reply.includes('"error"')) ?? '{}') as { id: unknown; error?: { code: number } };
    assert.deepEqual([refused.id, refused.error?.code], [null, JsonRpcErrorCode.INVALID_REQUEST]);
    ws.close();
  });
});
