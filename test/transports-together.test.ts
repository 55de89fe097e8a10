/**
 * One application, several endpoints: protocol v1 on /ws and JSON-RPC 2.0
 * on /rpc (a codec per transport), driven by the off-the-shelf
 * rpc-websockets client; and across two nodes on Redis, a WebSocket member
 * on one and an SSE member on the other share a room.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client } from 'rpc-websockets';
import { HttpTransport, Switchyard, WebSocketTransport, jsonRpcCodec } from '../src/index.js';
import { createRedisScaleOut, type RedisScaleOut } from '../src/redis.js';
import { Echo, Join, Shout, Shouted, registerFixtures } from './support/fixtures.js';
import { testLogger } from './support/harness.js';
import { HttpTestClient } from './support/http-test-client.js';
import { uniquePrefix, useRedis } from './support/redis.js';
import { within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

async function listenOn(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('protocol v1 on /ws and JSON-RPC 2.0 on /rpc in one application', () => {
  let app: Switchyard;
  let server: Server;
  let port: number;

  before(async () => {
    app = registerFixtures(new Switchyard({ logger: testLogger() }));
    server = createServer();
    await app.listen(new WebSocketTransport({ server, path: '/ws' }));
    await app.listen(new WebSocketTransport({ server, path: '/rpc', codec: jsonRpcCodec }));
    port = await listenOn(server);
  });
  after(async () => {
    await app.close();
    await closeServer(server);
  });

  it('serves rpc-websockets: a request, an error, a notification, a batch, and events as notifications', async () => {
    const rpc = new Client(`ws://127.0.0.1:${port}/rpc`, { reconnect: false });
    const opened = new Promise((resolve) => rpc.once('open', resolve));
    const greeted = new Promise<{ connectionId: string }>((resolve) => rpc.once('session.connected', resolve));
    const v1 = await WsTestClient.connect(`ws://127.0.0.1:${port}/ws`);
    try {
      await within(opened, 2000, 'the rpc socket to open');
      const hello = await within(greeted, 2000, 'session.connected');
      assert.equal(await rpc.call('test.add', { a: 20, b: 22 }), 42);
      await assert.rejects(rpc.call('nope.nothing', {}), (error: { code: number; data: { code: string } }) => error.code === -32601 && error.data.code === 'UNKNOWN_COMMAND');
      // A notification: run, never answered; its event reaches the v1 client on the other endpoint.
      await v1.request(Join, { room: 'both' });
      await rpc.call('test.join', { room: 'both' });
      const shouted = new Promise<{ text: string }>((resolve) => rpc.once(Shouted.type, resolve));
      await rpc.notify('test.shout', { text: 'from rpc', audience: 'room', id: 'both' });
      assert.equal((await v1.nextEvent(Shouted)).text, 'from rpc');
      assert.equal((await within(shouted, 2000, 'the event as a notification')).text, 'from rpc');
      // A batch, over the client's own socket (rpc-websockets has no batch call).
      const socket = (rpc as unknown as { socket: { send(data: string): void; addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void } }).socket;
      const batch = new Promise<unknown[]>((resolve) =>
        socket.addEventListener('message', ({ data }) => {
          const message = JSON.parse(String(data)) as unknown;
          if (Array.isArray(message)) resolve(message);
        }),
      );
      socket.send(JSON.stringify([
        { jsonrpc: '2.0', method: 'test.echo', params: 'a', id: 'b1' },
        { jsonrpc: '2.0', method: 'test.echo', params: 'notified' },
        { jsonrpc: '2.0', method: 'test.add', params: { a: 'x' }, id: 'b2' },
      ]));
      const responses = (await within(batch, 2000, 'the batch response')) as Array<{ id: string; result?: unknown; error?: { code: number } }>;
      assert.deepEqual(responses.map((response) => [response.id, response.result ?? response.error?.code]), [['b1', 'a'], ['b2', -32602]]);
      assert.equal(typeof hello.connectionId, 'string');
      // The v1 endpoint still speaks v1.
      assert.equal(await v1.request(Echo, 'v1'), 'v1');
    } finally {
      rpc.close();
      v1.close();
    }
  });
});

describe('an upgrade for a path no endpoint serves', () => {
  // Regression: with two WebSocket transports on one server, each left a stray path to the other, and nobody answered.
  it('is refused with 404 when every upgrade listener is an endpoint of ours, and left to the application when it has its own', { timeout: 15_000 }, async () => {
    const app = registerFixtures(new Switchyard({ logger: testLogger() }));
    const server = createServer();
    await app.listen(new WebSocketTransport({ server, path: '/ws' }));
    await app.listen(new WebSocketTransport({ server, path: '/rpc', codec: jsonRpcCodec }));
    const port = await listenOn(server);
    try {
      assert.equal(await WsTestClient.refusal(`ws://127.0.0.1:${port}/elsewhere`), 404);
      await (await WsTestClient.connect(`ws://127.0.0.1:${port}/ws`)).close();

      // The application's own listener may own any other path: the endpoints leave it alone.
      server.on('upgrade', (request, socket) => {
        if (request.url === '/mine') socket.end('HTTP/1.1 418 I am a teapot\r\nConnection: close\r\n\r\n');
      });
      assert.equal(await WsTestClient.refusal(`ws://127.0.0.1:${port}/mine`), 418);
    } finally {
      await app.close();
      await closeServer(server);
    }
  });
});

describe('a JSON-RPC batch past the rate limit', () => {
  it('answers each request refused by the rates with RATE_LIMITED and its own id', async () => {
    const app = registerFixtures(new Switchyard({ logger: testLogger(), codec: jsonRpcCodec, limits: { rateLimit: { burst: 2, perSecond: 1 } } }));
    const transport = await app.listen(new WebSocketTransport({ port: 0 }));
    const rpc = new Client(`ws://127.0.0.1:${transport.address.port}/ws`, { reconnect: false });
    try {
      await within(new Promise((resolve) => rpc.once('open', resolve)), 2000, 'the rpc socket to open');
      const socket = (rpc as unknown as { socket: { send(data: string): void; addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void } }).socket;
      const batch = new Promise<unknown[]>((resolve) =>
        socket.addEventListener('message', ({ data }) => {
          const message = JSON.parse(String(data)) as unknown;
          if (Array.isArray(message)) resolve(message);
        }),
      );
      socket.send(JSON.stringify([1, 2, 3, 4].map((n) => ({ jsonrpc: '2.0', method: 'test.echo', params: n, id: n }))));
      const responses = (await within(batch, 2000, 'the batch response')) as Array<{ id: number; result?: unknown; error?: { data: { code: string } } }>;
      assert.deepEqual(responses.map((response) => [response.id, response.result ?? response.error?.data.code]), [[1, 1], [2, 2], [3, 'RATE_LIMITED'], [4, 'RATE_LIMITED']]);
    } finally {
      rpc.close();
      await app.close();
    }
  });
});

const redis = await useRedis();

describe('WebSocket on one node, SSE on another, one Redis', { skip: redis.skip }, () => {
  const nodes: Array<{ app: Switchyard; scaleOut: RedisScaleOut; server: Server; port: number }> = [];

  before(async () => {
    const keyPrefix = uniquePrefix('http-nodes');
    for (let n = 0; n < 2; n++) {
      const scaleOut = createRedisScaleOut({ url: (redis as { url: string }).url, keyPrefix });
      await scaleOut.ready();
      const app = registerFixtures(new Switchyard({ logger: testLogger(), backplane: scaleOut.backplane, presence: scaleOut.presence }));
      const server = createServer();
      await app.listen(new WebSocketTransport({ server, path: '/ws' }));
      await app.listen(new HttpTransport({ server }));
      nodes.push({ app, scaleOut, server, port: await listenOn(server) });
    }
  });
  after(async () => {
    for (const node of nodes) {
      await node.app.close();
      await node.scaleOut.close();
      await closeServer(node.server);
    }
  });

  it('delivers room events both ways, and except-sender holds for an HTTP sender', async () => {
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const socket = await WsTestClient.connect(`ws://127.0.0.1:${a.port}/ws`);
    const stream = await HttpTestClient.connect(`http://127.0.0.1:${b.port}`);
    try {
      await socket.request(Join, { room: 'far' });
      await stream.request(Join, { room: 'far' });
      await socket.request(Shout, { text: 'from node a', audience: 'room', id: 'far' });
      assert.equal((await stream.nextEvent(Shouted)).text, 'from node a');
      await stream.request(Shout, { text: 'from node b, not to me', audience: 'room', id: 'far', exceptSender: true });
      await stream.request(Shout, { text: 'from node b', audience: 'room', id: 'far' });
      await socket.waitFor((frame) => frame.kind === 'event' && (frame.payload as { text: string }).text === 'from node b');
      await stream.waitFor((frame) => frame.kind === 'event' && (frame.payload as { text: string }).text === 'from node b');
      assert.deepEqual(socket.events(Shouted).map((event) => event.text), ['from node a', 'from node b, not to me', 'from node b']);
      assert.deepEqual(stream.events(Shouted).map((event) => event.text), ['from node a', 'from node b']);
    } finally {
      socket.close();
      stream.close();
    }
  });
});
