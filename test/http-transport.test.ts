/**
 * The HTTP transport on real sockets: commands posted with fetch (and curl,
 * and Python when present), events read with the `eventsource` package,
 * status codes and error bodies for bad input, a shared server with the
 * WebSocket transport and the application's own routes, mixed audiences.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect as connectTcp, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import { HttpTransport, Switchyard, WebSocketTransport, noTelemetry, type CommandSubject, type Telemetry } from '../src/index.js';
import { Join, Shout, Shouted, registerFixtures, SECRET } from './support/fixtures.js';
import { testLogger } from './support/harness.js';
import { HttpTestClient } from './support/http-test-client.js';
import { eventually, within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

const USER_HEADER = 'x-test-user';
const authenticate = (request: { headers: Record<string, string | string[] | undefined> }): { id: string } | undefined => {
  const user = request.headers[USER_HEADER];
  if (user === 'mallory') throw new Error('refused');
  return typeof user === 'string' ? { id: user } : undefined;
};

/** Sees which transport each command came over, and its trace context. */
function recordingTelemetry(seen: CommandSubject[], transports: string[]): Telemetry {
  return {
    commandStarted: (_type, command) => void seen.push(command),
    eventPublished: () => undefined,
    forTransport: (name) => (transports.push(name), noTelemetry.forTransport(name)),
  };
}

type Answer = { status: number; body: unknown; headers: Headers };

async function post(base: string, path: string, init: { body?: string; headers?: Record<string, string>; method?: string } = {}): Promise<Answer> {
  const headers = { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers };
  const response = await fetch(`${base}${path}`, { method: init.method ?? 'POST', headers, ...(init.body === undefined ? {} : { body: init.body }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), headers: response.headers };
}

function codeOf(answer: Answer): string {
  return (answer.body as { error: { code: string } }).error.code;
}

/** Writes raw bytes on a new TCP connection and resolves with what comes back until the server closes it. */
function rawExchange(port: number, request: string, keepWriting?: (socket: import('node:net').Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1', () => {
      socket.write(request);
      keepWriting?.(socket);
    });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

/** Runs a program to its end, asynchronously (the server it talks to is in this process), within 10 s. */
async function runChild(command: string, args: string[]): Promise<{ code: number | null; output: string; errors: string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const code = await within(new Promise<number | null>((resolve) => child.on('close', resolve)), 10_000, `${command} to finish`).finally(() => child.kill());
  return { code, output, errors };
}

describe('HTTP transport on its own server', () => {
  let app: Switchyard;
  let transport: HttpTransport;
  let base: string;
  const seen: CommandSubject[] = [];
  const transports: string[] = [];

  before(async () => {
    app = registerFixtures(new Switchyard({ logger: testLogger(), commandTimeoutMs: 200, telemetry: recordingTelemetry(seen, transports) }));
    transport = await app.listen(new HttpTransport({ port: 0, authenticate, bodyTimeoutMs: 300, maxBodyBytes: 1024, heartbeatIntervalMs: 50 }));
    base = `http://127.0.0.1:${transport.address.port}`;
  });
  after(() => app.close());

  describe('commands', () => {
    it('answers 200 with the result as the body', async () => {
      assert.deepEqual(await post(base, '/commands/test.add', { body: '{"a":2,"b":40}' }).then((answer) => [answer.status, answer.body]), [200, 42]);
      assert.deepEqual((await post(base, '/commands/test.echo', { body: '{"nested":[1,"two"]}' })).body, { nested: [1, 'two'] });
    });

    it('maps each coded error to its status, with the error body', async () => {
      const cases: Array<[string, string | undefined, number, string]> = [
        ['/commands/test.add', '{"a":1,"b":"two"}', 400, 'INVALID_PAYLOAD'],
        ['/commands/nope.nothing', '{}', 404, 'UNKNOWN_COMMAND'],
        ['/commands/test.refuse', '{}', 409, 'ROOM_FULL'],
        ['/commands/test.boom', '{}', 500, 'INTERNAL'],
        ['/commands/test.slow', '{"ms":5000}', 504, 'TIMEOUT'],
      ];
      for (const [path, body, status, code] of cases) {
        const answer = await post(base, path, body === undefined ? {} : { body });
        assert.equal(answer.status, status, `${path} answers ${status}`);
        assert.equal(answer.headers.get('content-type'), 'application/json; charset=utf-8');
        const error = (answer.body as { error: { code: string; message: string; details: unknown[] } }).error;
        assert.equal(error.code, code);
        assert.equal(typeof error.message, 'string');
        assert.ok(Array.isArray(error.details));
      }
      const refused = await post(base, '/commands/test.refuse', { body: '{}' });
      assert.deepEqual(refused.body, { error: { code: 'ROOM_FULL', message: 'the room is full', details: [{ capacity: 2 }] } });
      const boom = JSON.stringify((await post(base, '/commands/test.boom', { body: '{}' })).body);
      for (const leak of ['hunter2', '/srv/', 'at ', SECRET]) assert.ok(!boom.includes(leak), `the body leaks ${leak}`);
    });

    it('runs the same authenticator as the WebSocket transport: its identity, or 401 UNAUTHORIZED', async () => {
      app.register(
        { type: 'test.whoami', payload: undefined, result: undefined } as never,
        ((_payload: unknown, ctx: { user?: { id: string } }) => ctx.user?.id ?? null) as never,
      );
      assert.equal((await post(base, '/commands/test.whoami', { headers: { [USER_HEADER]: 'ada' } })).body, 'ada');
      assert.equal((await post(base, '/commands/test.whoami')).body, null);
      const refused = await post(base, '/commands/test.whoami', { headers: { [USER_HEADER]: 'mallory' } });
      assert.deepEqual([refused.status, codeOf(refused)], [401, 'UNAUTHORIZED']);
    });

    it('is served to curl', { skip: spawnSync('curl', ['--version']).status === 0 ? false : 'curl is not installed' }, async () => {
      // Run asynchronously: the server answering it lives in this process.
      const run = await runChild('curl', ['-sS', '-X', 'POST', '-H', 'content-type: application/json', '-d', '{"a":20,"b":22}', '-w', '\n%{http_code}', `${base}/commands/test.add`]);
      assert.deepEqual(run, { code: 0, output: '42\n200', errors: '' });
    });

    it('takes a W3C traceparent header as the command\'s meta.traceparent, and names its transport http', async () => {
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      await post(base, '/commands/test.echo', { body: '"traced"', headers: { traceparent, tracestate: 'vendor=1' } });
      const command = seen.find((subject) => subject.meta?.traceparent === traceparent);
      assert.deepEqual(command?.meta, { traceparent, tracestate: 'vendor=1' });
      assert.equal(command?.transport, 'http');
      assert.ok(transports.includes('http'));
      const tooLong = await post(base, '/commands/test.echo', { body: '1', headers: { traceparent: 'x'.repeat(600) } });
      assert.deepEqual([tooLong.status, codeOf(tooLong)], [400, 'BAD_FRAME']);
    });
  });

  describe('bad input', () => {
    it('answers malformed JSON 400 BAD_FRAME', async () => {
      for (const body of ['{', '{"a":1,}', 'undefined', '\u0000']) {
        const answer = await post(base, '/commands/test.echo', { body });
        assert.deepEqual([answer.status, codeOf(answer)], [400, 'BAD_FRAME'], JSON.stringify(body));
      }
    });

    it('answers a wrong or missing media type 415 before reading the body', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'not a type', undefined]) {
        const response = await fetch(`${base}/commands/test.echo`, { method: 'POST', body: '{"a":1}', headers: type === undefined ? {} : { 'content-type': type } });
        // fetch adds text/plain to a string body without a type: what curl -d without -H does too.
        assert.equal(response.status, 415, String(type));
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'BAD_FRAME');
      }
      const vendor = await post(base, '/commands/test.echo', { body: '"ok"', headers: { 'content-type': 'application/vnd.example+json; charset=UTF-8' } });
      assert.deepEqual([vendor.status, vendor.body], [200, 'ok']);
    });

    it('answers a body over the limit 413: a declared one before a byte of it is read, a chunked one once it passes', async () => {
      const declared = await rawExchange(
        transport.address.port,
        `POST /commands/test.echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"a":`,
      );
      assert.match(declared, /^HTTP\/1\.1 413 /);
      assert.match(declared, /"code":"BAD_FRAME"/);
      const chunked = await fetch(`${base}/commands/test.echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(`"${'x'.repeat(4000)}"`));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      assert.equal(chunked.status, 413);
    });

    it('answers a body that trickles in too slowly 408 and closes that connection, while others are served', async () => {
      let timer: NodeJS.Timeout | undefined;
      const slow = rawExchange(transport.address.port, `POST /commands/test.echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{`, (socket) => {
        timer = setInterval(() => socket.writable && socket.write(' '), 40);
      });
      assert.equal((await post(base, '/commands/test.add', { body: '{"a":1,"b":1}' })).body, 2, 'a bystander is served meanwhile');
      const answer = await within(slow, 3000, 'the slow body to be cut off');
      clearInterval(timer);
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.match(answer, /"code":"BAD_FRAME"/);
    });

    it('answers odd paths with a clear status and code, and nothing else is affected', async () => {
      const cases: Array<[string, number, string]> = [
        ['/commands/..%2F..%2Fetc%2Fpasswd', 404, 'UNKNOWN_COMMAND'],
        ['/commands/../../etc/passwd', 404, 'UNKNOWN_COMMAND'],
        ['/commands/%00', 404, 'UNKNOWN_COMMAND'],
        ['/commands/%E0%A4%A', 400, 'BAD_FRAME'],
        ['/commands/%', 400, 'BAD_FRAME'],
        ['/commands/', 400, 'BAD_FRAME'],
        ['/commands', 400, 'BAD_FRAME'],
        [`/commands/${'t'.repeat(5000)}`, 400, 'BAD_FRAME'],
        ['/elsewhere', 404, 'UNKNOWN_COMMAND'],
      ];
      for (const [path, status, code] of cases) {
        const response = await rawExchange(transport.address.port, `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        assert.match(response, new RegExp(`^HTTP/1\\.1 ${status} `), path.slice(0, 40));
        assert.match(response, new RegExp(`"code":"${code}"`), path.slice(0, 40));
        assert.doesNotMatch(response, /\n\s+at /, 'no stack trace');
      }
      assert.equal((await post(base, '/commands/test.add', { body: '{"a":2,"b":2}' })).body, 4);
    });

    it('closes the connection of a request refused before its body is read, rather than read the body to discard it', async () => {
      const answer = await within(
        rawExchange(transport.address.port, `POST /commands/test.echo HTTP/1.1\r\nHost: x\r\nSwitchyard-Session: forged\r\nContent-Type: application/json\r\nContent-Length: 900000\r\n\r\n{"a":`),
        3000,
        'the refused request\'s connection to close',
      );
      assert.match(answer, /^HTTP\/1\.1 401 /);
      assert.match(answer, /connection: close/i);
    });

    it('answers other methods 405 with Allow', async () => {
      const get = await post(base, '/commands/test.echo', { method: 'GET' });
      assert.deepEqual([get.status, get.headers.get('allow'), codeOf(get)], [405, 'POST', 'BAD_FRAME']);
      const events = await post(base, '/events', { method: 'DELETE' });
      assert.deepEqual([events.status, events.headers.get('allow')], [405, 'GET']);
    });

    it('answers forged and expired session tokens 401 UNAUTHORIZED', async () => {
      const forged = await post(base, '/commands/test.echo', { body: '1', headers: { 'switchyard-session': 'forged-token' } });
      assert.deepEqual([forged.status, codeOf(forged)], [401, 'UNAUTHORIZED']);
      const client = await HttpTestClient.connect(base);
      const token = client.sessionToken;
      assert.equal((await post(base, '/commands/test.echo', { body: '"mine"', headers: { 'switchyard-session': token } })).body, 'mine');
      client.close();
      await eventually(() => transport.stats.streams === 0, 2000, 'no open stream');
      const expired = await post(base, '/commands/test.echo', { body: '1', headers: { 'switchyard-session': token } });
      assert.deepEqual([expired.status, codeOf(expired)], [401, 'UNAUTHORIZED']);
    });
  });

  describe('event streams', () => {
    it('opens with session.connected, keeps alive with comments, and acts as the session for posts with its token', async () => {
      const response = await fetch(`${base}/events`, { headers: { [USER_HEADER]: 'ada' } });
      assert.equal(response.headers.get('content-type'), 'text/event-stream');
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let text = '';
      const decoder = new TextDecoder();
      while (!text.includes('\n:\n')) text += decoder.decode((await within(reader.read(), 2000, 'the stream')).value);
      const [greeting] = text.split('\n\n');
      assert.match(greeting ?? '', /^event: session\.connected\ndata: \{"connectionId":"[^"]+","user":\{"id":"ada"\},"sessionToken":"[\w-]{20,}"\}$/);
      const token = /"sessionToken":"([\w-]+)"/.exec(text)?.[1] as string;
      assert.deepEqual((await post(base, '/commands/test.join', { body: '{"room":"sse-room"}', headers: { 'switchyard-session': token } })).body, ['sse-room']);
      assert.deepEqual((await app.presence.members('sse-room')).map((member) => member.userId), ['ada']);
      await reader.cancel();
      await eventually(async () => (await app.presence.members('sse-room')).length === 0, 2000, 'sse-room to be empty in presence');
    });

    it('is read by the eventsource package, named events and all', async () => {
      const source = new EventSource(`${base}/events`, { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, [USER_HEADER]: 'eve' } }) });
      try {
        const hello = await within(new Promise<MessageEvent>((resolve) => source.addEventListener('session.connected', resolve, { once: true })), 2000, 'session.connected');
        const { connectionId, user, sessionToken } = JSON.parse(hello.data as string) as { connectionId: string; user: { id: string }; sessionToken: string };
        assert.equal(user.id, 'eve');
        const shouted = new Promise<MessageEvent>((resolve) => source.addEventListener(Shouted.type, resolve, { once: true }));
        await post(base, '/commands/test.shout', { body: JSON.stringify({ text: 'to eve', audience: 'connection', id: connectionId }), headers: { 'switchyard-session': sessionToken } });
        assert.deepEqual(JSON.parse((await within(shouted, 2000, 'the event')).data as string), { text: 'to eve', from: connectionId });
      } finally {
        source.close();
      }
    });

    it('is read by a Python client (urllib), which posts a command too', { skip: spawnSync('python3', ['--version']).status === 0 ? false : 'python3 is not installed' }, async () => {
      const script = `
import json, sys, urllib.request
base = sys.argv[1]
request = urllib.request.Request(base + '/commands/test.add', data=b'{"a":40,"b":2}', headers={'Content-Type': 'application/json'}, method='POST')
print(json.load(urllib.request.urlopen(request, timeout=5)))
stream = urllib.request.urlopen(urllib.request.Request(base + '/events', headers={'x-test-user': 'guido'}), timeout=5)
event = None
for raw in stream:
    line = raw.decode('utf-8').rstrip('\\n')
    if line.startswith('event: '):
        event = line[7:]
    elif line.startswith('data: ') and event == 'session.connected':
        print(json.loads(line[6:])['user']['id'])
        break
`;
      const { code, output, errors } = await runChild('python3', ['-c', script, base]);
      assert.equal(code, 0, errors);
      assert.deepEqual(output.trim().split('\n'), ['42', 'guido']);
    });
  });
});

describe('HTTP and WebSocket transports on one server, beside the application\'s routes', () => {
  let app: Switchyard;
  let server: Server;
  let base: string;

  before(async () => {
    app = registerFixtures(new Switchyard({ logger: testLogger() }));
    server = createServer((request, response) => {
      if (request.url === '/health') return void response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      response.writeHead(404, { 'content-type': 'text/plain' }).end('app 404');
    });
    await app.listen(new WebSocketTransport({ server, path: '/ws', authenticate }));
    await app.listen(new HttpTransport({ server, authenticate }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('leaves the application\'s own routes to it', async () => {
    assert.equal(await (await fetch(`${base}/health`)).text(), 'ok');
    const other = await fetch(`${base}/nothing-here`);
    assert.deepEqual([other.status, await other.text()], [404, 'app 404']);
    assert.equal((await post(base, '/commands/test.add', { body: '{"a":3,"b":4}' })).body, 7);
  });

  it('lets a WebSocket member and an SSE member of one room see each other, and holds except-sender for an HTTP sender', async () => {
    const socket = await WsTestClient.connect(`${base.replace('http', 'ws')}/ws`);
    const stream = await HttpTestClient.connect(base);
    try {
      await socket.request(Join, { room: 'mixed' });
      await stream.request(Join, { room: 'mixed' });
      await socket.request(Shout, { text: 'from ws', audience: 'room', id: 'mixed' });
      await stream.request(Shout, { text: 'from sse', audience: 'room', id: 'mixed', exceptSender: true });
      await stream.request(Shout, { text: 'to all from sse', audience: 'room', id: 'mixed' });
      assert.equal((await stream.nextEvent(Shouted)).text, 'from ws');
      await socket.waitFor((frame) => frame.kind === 'event' && (frame.payload as { text: string }).text === 'to all from sse');
      await stream.waitFor((frame) => frame.kind === 'event' && (frame.payload as { text: string }).text === 'to all from sse');
      assert.deepEqual(socket.events(Shouted).map((event) => event.text), ['from ws', 'from sse', 'to all from sse']);
      assert.deepEqual(stream.events(Shouted).map((event) => event.text), ['from ws', 'to all from sse'], 'the HTTP sender was excepted');
      // A post without a session is a session of its own: excepting it leaves every member a recipient.
      await post(base, '/commands/test.shout', { body: JSON.stringify({ text: 'anonymous', audience: 'room', id: 'mixed', exceptSender: true }) });
      await Promise.all([socket, stream].map((client) => client.waitFor((frame) => frame.kind === 'event' && (frame.payload as { text: string }).text === 'anonymous')));
    } finally {
      socket.close();
      stream.close();
    }
  });
});
