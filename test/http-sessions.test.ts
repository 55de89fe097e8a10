/**
 * The HTTP transport's sessions: a JWT bearer token read by the same
 * authenticator as the WebSocket transport, requires() as a 403, the rate
 * limit of an implicit session (one per keep-alive connection), a drain,
 * a slow SSE reader, and `server: false` with `handle()`.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Agent, request as httpRequest } from 'node:http';
import { connect as tcpConnect, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { HttpTransport, Switchyard, defineCommand, jwtAuthenticator, requires, to, typed } from '../src/index.js';
import { registerFixtures, Shouted } from './support/fixtures.js';
import { testLogger } from './support/harness.js';
import { HttpTestClient } from './support/http-test-client.js';
import { eventually, within } from './support/socket-harness.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const Whoami = defineCommand('whoami', { payload: typed<unknown>(), result: typed<unknown>() });
const AdminOnly = defineCommand('admin.only', { payload: typed<unknown>(), result: typed<string>() });
const Flood = defineCommand('flood', { payload: typed<{ count: number; size: number }>(), result: typed<null>() });

function hs256(sub: string, roles: string[] = []): Promise<string> {
  return new SignJWT({ sub, roles }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
}

function post(port: number, path: string, body: string | undefined, headers: Record<string, string> = {}, agent?: Agent): Promise<{ status: number; body: unknown; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, path, method: 'POST', ...(agent === undefined ? {} : { agent }), headers: { ...(body === undefined ? { 'content-length': '0' } : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }), ...headers } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as unknown), headers: response.headers }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const codeOf = (answer: { body: unknown }): string => (answer.body as { error: { code: string } }).error.code;

describe('HTTP sessions', () => {
  it('reads a bearer JWT with the WebSocket transport\'s jwtAuthenticator, and requires() answers 403', async () => {
    const app = new Switchyard({ logger: testLogger() });
    app.use(requires('admin', { commands: [AdminOnly] }));
    app.register(Whoami, (_payload, ctx) => ctx.user?.id ?? null);
    app.register(AdminOnly, () => 'welcome');
    const transport = await app.listen(new HttpTransport({ port: 0, authenticate: jwtAuthenticator({ secret: SECRET }) }));
    const port = transport.address.port;
    try {
      const ada = await hs256('ada');
      assert.deepEqual((await post(port, '/commands/whoami', undefined, { authorization: `Bearer ${ada}` })).body, 'ada');
      const none = await post(port, '/commands/whoami', undefined);
      assert.deepEqual([none.status, codeOf(none)], [401, 'UNAUTHORIZED'], 'no token: refused, as a socket\'s upgrade is');
      const forged = await post(port, '/commands/whoami', undefined, { authorization: `Bearer ${ada.slice(0, -4)}AAAA` });
      assert.deepEqual([forged.status, codeOf(forged), forged.headers['www-authenticate']], [401, 'UNAUTHORIZED', 'Bearer']);
      const user = await post(port, '/commands/admin.only', undefined, { authorization: `Bearer ${ada}` });
      assert.deepEqual([user.status, codeOf(user)], [403, 'FORBIDDEN']);
      const admin = await post(port, '/commands/admin.only', undefined, { authorization: `Bearer ${await hs256('root', ['admin'])}` });
      assert.deepEqual([admin.status, admin.body], [200, 'welcome']);
      const stream = await fetch(`http://127.0.0.1:${port}/events`, { headers: { authorization: 'Bearer not-a-jwt' } });
      assert.deepEqual([stream.status, ((await stream.json()) as { error: { code: string } }).error.code], [401, 'UNAUTHORIZED']);
    } finally {
      await app.close();
    }
  });

  it('limits the commands of one keep-alive connection as a socket\'s, and answers 429 with Retry-After', async () => {
    const app = registerFixtures(new Switchyard({ logger: testLogger(), limits: { rateLimit: { burst: 5, perSecond: 1 } } }));
    const transport = await app.listen(new HttpTransport({ port: 0 }));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answers = [];
      for (let n = 0; n < 8; n++) answers.push(await post(transport.address.port, '/commands/test.echo', String(n), {}, agent));
      assert.deepEqual(answers.map((answer) => answer.status), [200, 200, 200, 200, 200, 429, 429, 429]);
      assert.equal(codeOf(answers[5] as { body: unknown }), 'RATE_LIMITED');
      assert.equal(answers[5]?.headers['retry-after'], '1');
      // Another connection is another implicit session, with a budget of its own.
      assert.equal((await post(transport.address.port, '/commands/test.echo', '"fresh"')).body, 'fresh');
    } finally {
      agent.destroy();
      await app.close();
    }
  });

  it('drains: streams are told session.draining and end, running commands answer, new ones get 503', async () => {
    const app = registerFixtures(new Switchyard({ logger: testLogger() }));
    const transport = await app.listen(new HttpTransport({ port: 0 }));
    const base = `http://127.0.0.1:${transport.address.port}`;
    const client = await HttpTestClient.connect(base);
    const running = post(transport.address.port, '/commands/test.delay', '{"ms":150,"n":7}');
    await eventually(() => transport.stats.connections === 2, 2000, 'two connections');
    const drained = app.drain({ deadlineMs: 2000 });
    const draining = await client.waitFor((frame) => frame.kind === 'event' && frame.type === 'session.draining');
    assert.equal(typeof (draining as { payload: { retryAfterMs: number } }).payload.retryAfterMs, 'number');
    assert.deepEqual((await running).body, 7);
    assert.equal(await drained, true);
    await eventually(() => transport.stats.streams === 0, 2000, 'no open stream');
  });

  it('ends the stream of a reader too slow for maxBufferedBytes, and no other', async () => {
    const app = registerFixtures(new Switchyard({ logger: testLogger() }));
    app.register(Flood, ({ count, size }, ctx) => {
      for (let n = 0; n < count; n++) ctx.publish(Shouted, { text: 'x'.repeat(size), from: String(n) }, to.connection(ctx.connectionId));
      return null;
    });
    const transport = await app.listen(new HttpTransport({ port: 0, maxBufferedBytes: 64 * 1024 }));
    const port = transport.address.port;
    // A stream nobody reads: the kernel's buffers fill, then the response's.
    const stalled = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => httpRequest({ host: '127.0.0.1', port, path: '/events' }, resolve).on('error', reject).end());
    let greeting = '';
    stalled.once('data', (chunk: Buffer) => {
      greeting = chunk.toString();
      stalled.pause();
    });
    await eventually(() => greeting.includes('sessionToken'), 2000, 'the greeting with its session token');
    const token = /"sessionToken":"([\w-]+)"/.exec(greeting)?.[1] as string;
    const closed = new Promise<void>((resolve) => stalled.once('close', resolve));
    const healthy = await HttpTestClient.connect(`http://127.0.0.1:${port}`);
    try {
      await post(port, '/commands/flood', JSON.stringify({ count: 400, size: 16 * 1024 }), { 'switchyard-session': token });
      await eventually(() => transport.stats.streams === 1, 5000, 'the server to end the slow stream, and no other');
      // What the kernel had taken before the bound was reached still arrives, then the end.
      stalled.resume();
      await within(closed, 5000, 'the slow reader to see its stream end');
      assert.equal(await healthy.request({ type: 'test.echo' } as never, 'still here' as never), 'still here');
    } finally {
      healthy.close();
      stalled.destroy();
      await app.close();
    }
  });

  it('writes an event shared by many streams as one HTTP chunk, and as plain text to an HTTP/1.0 client', async () => {
    const app = registerFixtures(new Switchyard({ logger: testLogger() }));
    const transport = await app.listen(new HttpTransport({ port: 0, heartbeatIntervalMs: 0 }));
    const open = (version: string): { text: () => string; close: () => void } => {
      let received = '';
      const socket = tcpConnect(transport.address.port, '127.0.0.1', () => socket.write(`GET /events HTTP/${version}\r\nHost: 127.0.0.1\r\n\r\n`));
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (received += chunk));
      return { text: () => received, close: () => socket.destroy() };
    };
    const http11 = open('1.1');
    const http10 = open('1.0');
    try {
      await eventually(() => transport.stats.streams === 2 && [http11, http10].every((stream) => stream.text().includes('sessionToken')), 5000, 'both streams to be greeted');
      app.publisher.publish(Shouted, { text: 'to everyone', from: 'test' }, to.all());
      const block = 'event: test.shouted\ndata: {"text":"to everyone","from":"test"}\n\n';
      await eventually(() => [http11, http10].every((stream) => stream.text().includes(block)), 5000, 'the event on both streams');
      assert.match(http11.text(), /transfer-encoding: chunked/i);
      assert.ok(http11.text().includes(`\r\n${block.length.toString(16)}\r\n${block}\r\n`), 'one chunk holding the whole block');
      assert.doesNotMatch(http10.text(), /transfer-encoding/i);
      assert.ok(http10.text().endsWith(`\n\n${block}`), 'the block as is, after the greeting');
    } finally {
      http11.close();
      http10.close();
      await app.close();
    }
  });

  it('leaves every write of an event stream to a response whose write is wrapped (a compression middleware)', async () => {
    const app = registerFixtures(new Switchyard({ logger: testLogger() }));
    const transport = await app.listen(new HttpTransport({ server: false, heartbeatIntervalMs: 0 }));
    const seen: string[] = [];
    const server = createServer((request, response) => {
      const write = response.write.bind(response) as (chunk: unknown) => boolean;
      response.write = ((chunk: unknown) => {
        seen.push(String(chunk));
        return write(chunk);
      }) as typeof response.write;
      transport.handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = await HttpTestClient.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      app.publisher.publish(Shouted, { text: 'through the wrapper', from: 'test' }, to.all());
      await client.waitFor((frame) => frame.kind === 'event' && frame.type === 'test.shouted');
      assert.ok(seen.some((chunk) => chunk.includes('through the wrapper')), 'the event went through the wrapped write');
    } finally {
      client.close();
      await app.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('with server: false, attaches nothing and serves what handle() is given', async () => {
    const app = registerFixtures(new Switchyard({ logger: testLogger() }));
    const transport = await app.listen(new HttpTransport({ server: false }));
    const server = createServer((request, response) => transport.handle(request, response) || void response.writeHead(418).end('mine'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      assert.equal((await post(port, '/commands/test.add', '{"a":1,"b":2}')).body, 3);
      assert.equal((await fetch(`http://127.0.0.1:${port}/teapot`)).status, 418);
    } finally {
      await app.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
