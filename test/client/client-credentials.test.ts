import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { CloseCode, defineCommand, jwtAuthenticator, Switchyard, typed, WebSocketTransport, type Identity } from '../../src/index.js';
import {
  CLIENT_PROTOCOL,
  ClientCloseCode,
  ClientError,
  ClientErrorCode,
  SwitchyardClient,
  type ClientOptions,
  type StateChange,
  type TokenRequest,
} from '../../src/client/index.js';
import { stateReached } from '../support/demo-client.js';
import { eventually, within } from '../support/socket-harness.js';

const logger = pino({ level: 'silent' });
const SECRET = 'a-client-test-secret-long-enough-for-hs256';
const key = new TextEncoder().encode(SECRET);
const fastRetry = { initialDelayMs: 10, maxDelayMs: 50, jitter: 0.5 };
const Whoami = defineCommand('whoami', { payload: typed<void>(), result: typed<Identity | null>() });

let serial = 0;
/** A signed HS256 token for `sub`, expiring `expiresInSec` from now (negative: already expired); each one distinct. */
function token(sub: string, expiresInSec = 600): Promise<string> {
  serial += 1;
  return new SignJWT({ sub, jti: String(serial) })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSec)
    .sign(key);
}

interface Upgrade {
  readonly url: string | undefined;
  /** The subprotocols offered, in order. */
  readonly protocols: readonly string[];
}

/** A JWT-protected server that records every upgrade request it authenticates; the query string carries no token. */
async function jwtServer(port = 0): Promise<{ url: string; port: number; upgrades: Upgrade[]; close: () => Promise<void>; restartSoon: () => Promise<void> }> {
  const verify = jwtAuthenticator({ secret: SECRET, queryParameter: false });
  const upgrades: Upgrade[] = [];
  const authenticate = (request: IncomingMessage): Promise<Identity | undefined> => {
    const offered = request.headers['sec-websocket-protocol'];
    upgrades.push({ url: request.url, protocols: offered === undefined ? [] : offered.split(',').map((protocol) => protocol.trim()) });
    return verify(request);
  };
  const app = new Switchyard({ logger });
  app.register(Whoami, (_payload, ctx) => ctx.user ?? null);
  const transport = await app.listen(new WebSocketTransport({ port, host: '127.0.0.1', closeTimeoutMs: 100, authenticate }));
  const bound = transport.address.port;
  // restartSoon: a short drain, so that clients come back within its deadline rather than the default 10 s.
  return { url: `ws://127.0.0.1:${bound}/ws`, port: bound, upgrades, close: () => app.close(), restartSoon: async () => void (await app.drain({ deadlineMs: 50 })) };
}

/** A `WebSocket` class that records the subprotocols of every socket the client opens: one per connection attempt. */
function countingWebSocket(): { WebSocket: NonNullable<ClientOptions['WebSocket']>; offered: (readonly string[])[] } {
  const offered: (readonly string[])[] = [];
  class CountingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      offered.push(typeof protocols === 'string' ? [protocols] : [...(protocols ?? [])]);
    }
  }
  return { WebSocket: CountingWebSocket, offered };
}

/** Records what a client reports, so a test can wait for it. */
function recorder(): { errors: unknown[]; changes: [string, StateChange][]; onError: (error: unknown) => void; errorCoded: (code: string) => Promise<ClientError> } {
  const errors: unknown[] = [];
  const waiting: { code: string; resolve: (error: ClientError) => void }[] = [];
  const onError = (error: unknown): void => {
    errors.push(error);
    for (const waiter of [...waiting]) {
      if (error instanceof ClientError && error.code === waiter.code) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(error);
      }
    }
  };
  const errorCoded = (code: string): Promise<ClientError> =>
    within(new Promise<ClientError>((resolve) => waiting.push({ code, resolve })), 5000, `onError to report ${code}`);
  return { errors, changes: [], onError, errorCoded };
}

function codes(errors: readonly unknown[]): string[] {
  return errors.map((error) => (error instanceof ClientError ? error.code : String(error)));
}


/** A client whose token provider records each request and answers with `pick(requests so far)`; it retries fast and records its errors. */
function providerClient(url: string, pick: (requests: TokenRequest[]) => string) {
  const requests: TokenRequest[] = [];
  const seen = recorder();
  const client = new SwitchyardClient({
    url,
    WebSocket,
    token: (request) => {
      requests.push(request);
      return pick(requests);
    },
    reconnect: fastRetry,
    onError: seen.onError,
  });
  return { client, requests, seen };
}
describe('credentials: a token provider, a refused token, an expired session', { timeout: 20_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('offers the token as a bearer subprotocol beside switchyard.v1, never in the URL, and the jwtAuthenticator accepts it', async () => {
    const server = await jwtServer();
    cleanups.push(server.close);
    const issued = await token('ada');
    const client = new SwitchyardClient({ url: server.url, WebSocket, token: () => issued });
    cleanups.push(() => client.close());
    const session = await within(client.ready(), 5000, 'the authenticated connection');
    assert.equal(session.user?.id, 'ada');
    assert.equal((await client.request(Whoami))?.id, 'ada', 'the server knows the connection as the token says');
    assert.deepEqual(server.upgrades, [{ url: '/ws', protocols: [CLIENT_PROTOCOL, `bearer.${issued}`] }]);
    await client.close();
  });

  it('asks the token provider and the URL function once per connection attempt, across a server restart', async () => {
    let server = await jwtServer();
    const port = server.port;
    const issued: string[] = [];
    const requests: TokenRequest[] = [];
    let urlCalls = 0;
    const { WebSocket: Counting, offered } = countingWebSocket();
    const client = new SwitchyardClient({
      url: () => {
        urlCalls += 1;
        return `ws://127.0.0.1:${port}/ws`;
      },
      token: async (request) => {
        requests.push(request);
        issued.push(await token('ada'));
        return issued.at(-1) as string;
      },
      WebSocket: Counting,
      reconnect: { ...fastRetry, maxAttempts: 200 },
    });
    try {
      await within(client.ready(), 5000, 'the first connection');
      const down = stateReached(client, 'reconnecting');
      await server.restartSoon();
      await down;
      server = await jwtServer(port);
      await stateReached(client, 'open');
      assert.equal((await client.request(Whoami))?.id, 'ada');

      assert.ok(offered.length >= 2, `${offered.length} attempts`);
      assert.equal(issued.length, offered.length, 'one token per attempt, failed attempts included');
      assert.equal(urlCalls, offered.length, 'one URL per attempt');
      assert.deepEqual(
        offered,
        issued.map((issuedToken) => [CLIENT_PROTOCOL, `bearer.${issuedToken}`]),
        'each attempt offers the token fetched for it',
      );
      assert.deepEqual(server.upgrades, [{ url: '/ws', protocols: [CLIENT_PROTOCOL, `bearer.${issued.at(-1)}`] }]);
      assert.ok(requests.every((request) => request.rejected === undefined), 'no token was refused');
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('reports a 401 as UNAUTHORIZED and does not retry a refused token: one attempt, not twenty (regression: it retried ~20 times over 3 minutes)', async () => {
    const server = await jwtServer();
    cleanups.push(server.close);
    const expired = await token('ada', -60);
    const { client, requests, seen } = providerClient(server.url, () => expired); // maxAttempts stays at its default of 20
    const queued = client.request(Whoami).catch((error: unknown) => error);
    const closing = stateReached(client, 'closed');
    await assert.rejects(within(client.ready(), 5000, 'the client to give up'), { code: ClientErrorCode.UNAUTHORIZED });
    const change = await closing;

    assert.equal(server.upgrades.length, 1, 'the refused token reached the server once');
    assert.deepEqual(requests, [{ rejected: undefined }, { rejected: expired }], 'the provider was asked again, told which token was refused');
    assert.deepEqual(codes(seen.errors), [ClientErrorCode.UNAUTHORIZED], 'onError heard the refusal once');
    assert.equal(change?.error?.code, ClientErrorCode.UNAUTHORIZED, 'the state change says why the client closed');
    assert.equal(client.lastError?.code, ClientErrorCode.UNAUTHORIZED);
    assert.equal((await queued as ClientError).code, ClientErrorCode.UNAUTHORIZED, 'a request queued meanwhile fails with the reason');
    await assert.rejects(client.request(Whoami), { code: ClientErrorCode.UNAUTHORIZED });
  });

  it('a static token, or a URL with no token provider, that meets a 401 closes the client after one attempt', async () => {
    const server = await jwtServer();
    cleanups.push(server.close);
    const staticToken = new SwitchyardClient({ url: server.url, WebSocket, token: await token('ada', -60), reconnect: fastRetry });
    await assert.rejects(within(staticToken.ready(), 5000, 'the static-token client to close'), { code: ClientErrorCode.UNAUTHORIZED });
    const noToken = new SwitchyardClient({ url: server.url, WebSocket, reconnect: fastRetry });
    await assert.rejects(within(noToken.ready(), 5000, 'the tokenless client to close'), { code: ClientErrorCode.UNAUTHORIZED });
    assert.equal(server.upgrades.length, 2, 'one attempt each');
    assert.deepEqual(server.upgrades[1], { url: '/ws', protocols: [CLIENT_PROTOCOL] }, 'without a token only the protocol is offered');
  });

  it('after a 401, a fresh token from the provider connects', async () => {
    const server = await jwtServer();
    cleanups.push(server.close);
    const tokens = [await token('ada', -60), await token('ada')];
    const seen = recorder();
    const client = new SwitchyardClient({ url: server.url, WebSocket, token: () => tokens.shift() ?? 'exhausted', reconnect: fastRetry, onError: seen.onError });
    try {
      const session = await within(client.ready(), 5000, 'the connection with the fresh token');
      assert.equal(session.user?.id, 'ada');
      assert.equal(server.upgrades.length, 2);
      assert.deepEqual(codes(seen.errors), [ClientErrorCode.UNAUTHORIZED]);
      assert.equal(client.lastError, undefined, 'an open connection clears the last error');
    } finally {
      await client.close();
    }
  });

  it('on a 4001 close (the token expired) reports SESSION_EXPIRED, fetches a fresh token and reconnects', async () => {
    const server = await jwtServer();
    cleanups.push(server.close);
    const shortLived = await token('ada', 1);
    const fresh = await token('ada');
    const { client, requests, seen } = providerClient(server.url, (requests) => (requests.length === 1 ? shortLived : fresh));
    try {
      await within(client.ready(), 5000, 'the first connection');
      const dropped = stateReached(client, 'reconnecting', 4000);
      const expired = await seen.errorCoded(ClientErrorCode.SESSION_EXPIRED);
      assert.match(expired.message, /4001/);
      assert.equal((await dropped)?.error?.code, ClientErrorCode.SESSION_EXPIRED, 'the state change carries the reason');
      await stateReached(client, 'open');
      assert.equal((await client.request(Whoami))?.id, 'ada');
      assert.deepEqual(requests, [{ rejected: undefined }, { rejected: shortLived }]);
      assert.deepEqual(
        server.upgrades.map((upgrade) => upgrade.protocols),
        [
          [CLIENT_PROTOCOL, `bearer.${shortLived}`],
          [CLIENT_PROTOCOL, `bearer.${fresh}`],
        ],
      );
      assert.deepEqual(codes(seen.errors), [ClientErrorCode.SESSION_EXPIRED]);
    } finally {
      await client.close();
    }
  });

  it('on a 4001 close with no fresh token to be had, closes with SESSION_EXPIRED instead of offering the expired one', async () => {
    const server = await jwtServer();
    cleanups.push(server.close);
    const client = new SwitchyardClient({ url: server.url, WebSocket, token: await token('ada', 1), reconnect: fastRetry });
    await within(client.ready(), 5000, 'the connection');
    const change = await stateReached(client, 'closed', 4000);
    assert.equal(change?.error?.code, ClientErrorCode.SESSION_EXPIRED);
    await assert.rejects(client.ready(), { code: ClientErrorCode.SESSION_EXPIRED });
    assert.equal(server.upgrades.length, 1, 'the expired token was not offered again');
  });

  it('a failing token provider is TOKEN_UNAVAILABLE and is tried again with backoff', async () => {
    const server = await jwtServer();
    cleanups.push(server.close);
    const valid = await token('ada');
    let calls = 0;
    const seen = recorder();
    const client = new SwitchyardClient({
      url: server.url,
      WebSocket,
      token: async () => {
        calls += 1;
        if (calls === 1) throw new Error('the auth server is unreachable');
        return calls === 2 ? 'not a token: spaces' : valid;
      },
      reconnect: fastRetry,
      onError: seen.onError,
    });
    try {
      const session = await within(client.ready(), 5000, 'the connection once the provider recovers');
      assert.equal(session.user?.id, 'ada');
      assert.deepEqual(codes(seen.errors), [ClientErrorCode.TOKEN_UNAVAILABLE, ClientErrorCode.TOKEN_UNAVAILABLE]);
      assert.match(String((seen.errors[0] as ClientError).cause), /unreachable/);
      assert.equal(server.upgrades.length, 1, 'no attempt went out without a usable token');
    } finally {
      await client.close();
    }
  });

  it('rejects a token option that no subprotocol can carry, up front', () => {
    assert.throws(() => new SwitchyardClient({ url: 'ws://127.0.0.1:9/ws', WebSocket, token: 'has spaces' }), TypeError);
    assert.throws(() => new SwitchyardClient({ url: 'ws://127.0.0.1:9/ws', WebSocket, token: '' }), TypeError);
  });
});

/** A scripted server: greets each connection as Switchyard does, then runs `script` on it (by default, closes it with `code`). */
async function scriptedServer(code: number, script = (ws: WebSocket): void => ws.close(code, 'scripted')): Promise<{ url: string; connections: number[]; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const connections: number[] = [];
  wss.on('connection', (ws) => {
    connections.push(Date.now());
    ws.send(JSON.stringify({ kind: 'event', type: 'session.connected', payload: { connectionId: `c${connections.length}`, user: null } }));
    script(ws);
  });
  const port = (wss.address() as AddressInfo).port;
  return { url: `ws://127.0.0.1:${port}/ws`, connections, close: () => new Promise((resolve) => wss.close(() => resolve())) };
}

describe('close codes the client acts on', { timeout: 20_000 }, () => {
  it('mirrors the protocol close codes', () => {
    assert.deepEqual(
      { ...ClientCloseCode },
      { POLICY_VIOLATION: CloseCode.POLICY_VIOLATION, TRY_AGAIN_LATER: CloseCode.TRY_AGAIN_LATER, SESSION_EXPIRED: CloseCode.SESSION_EXPIRED },
    );
  });

  it('on 1008 reports POLICY_VIOLATION and waits the longest delay before reconnecting; on 1013 reports TRY_AGAIN_LATER and backs off as usual', async () => {
    const slowest = 400;
    const gapAfter = async (code: number, expected: string): Promise<number> => {
      const server = await scriptedServer(code);
      const seen = recorder();
      const client = new SwitchyardClient({
        url: server.url,
        WebSocket,
        reconnect: { initialDelayMs: 5, maxDelayMs: slowest, jitter: 0, maxAttempts: 5 },
        onError: seen.onError,
      });
      try {
        await seen.errorCoded(expected);
        await eventually(() => server.connections.length >= 2, 5000, 'a second connection');
        assert.ok(codes(seen.errors).every((reported) => reported === expected), codes(seen.errors).join());
        return (server.connections[1] as number) - (server.connections[0] as number);
      } finally {
        await client.close();
        await server.close();
      }
    };
    assert.ok((await gapAfter(ClientCloseCode.POLICY_VIOLATION, ClientErrorCode.POLICY_VIOLATION)) >= slowest, 'a 1008 is not answered by an immediate reconnect');
    assert.ok((await gapAfter(ClientCloseCode.TRY_AGAIN_LATER, ClientErrorCode.TRY_AGAIN_LATER)) < slowest, 'a 1013 reconnects with the usual backoff');
  });

  it('reports an error frame without its error as BAD_FRAME and stays open (regression: reading its code threw out of the socket listener)', async () => {
    const server = await scriptedServer(0, (ws) => ws.send(JSON.stringify({ kind: 'error', id: '1', error: null })));
    const seen = recorder();
    const client = new SwitchyardClient({ url: server.url, WebSocket, onError: seen.onError });
    try {
      await seen.errorCoded('BAD_FRAME');
      assert.equal(client.state, 'open');
    } finally {
      await client.close();
      await server.close();
    }
  });
});
