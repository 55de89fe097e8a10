import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { pino } from 'pino';
import { defineCommand, jwtAuthenticator, requires, Switchyard, typed, WebSocketTransport } from '../src/index.js';
import { eventually, serve, within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const key = new TextEncoder().encode(SECRET);
const Whoami = defineCommand('whoami', { payload: typed<unknown>(), result: typed<unknown>() });
const AdminOnly = defineCommand('admin.only', { payload: typed<unknown>(), result: typed<string>() });
const Boom = defineCommand('boom', { payload: typed<unknown>() });

function hs256(claims: JWTPayload & { exp?: number }, secret: Uint8Array = key): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (claims.exp === undefined) jwt.setExpirationTime('10m');
  return jwt.sign(secret);
}

const nowSec = (): number => Math.floor(Date.now() / 1000);

function setup(app: import('../src/switchyard.js').Switchyard): void {
  app.use(requires('admin', { commands: [AdminOnly] }));
  app.register(Whoami, (_payload, ctx) => ctx.user ?? null);
  app.register(AdminOnly, () => 'welcome');
  app.register(Boom, () => {
    throw new Error(`cannot open /srv/secret/${'x'}.db for user bob@example.com`);
  });
}

test('HS256: the token is read from the Authorization header, a subprotocol or the query; a missing or bad one is refused with 401 before the upgrade', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({ transport: { authenticate: jwtAuthenticator({ secret: SECRET }) }, setup });
  try {
    const token = await hs256({ sub: 'alice', roles: ['admin'] });
    const byHeader = await WsTestClient.connect(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await byHeader.exchange('whoami')).payload as { id: string }).id, 'alice');
    const byProtocol = await WsTestClient.connect(url, { protocols: ['v1', `bearer.${token}`] });
    assert.equal(byProtocol.ws.protocol, 'v1', 'the token is not echoed back as the protocol');
    assert.equal(((await byProtocol.exchange('whoami')).payload as { id: string }).id, 'alice');
    const byQuery = await WsTestClient.connect(`${url}?access_token=${token}`);
    assert.equal((await byQuery.exchange('admin.only')).payload, 'welcome');

    assert.equal(await WsTestClient.refusal(url), 401, 'no token');
    assert.equal(await WsTestClient.refusal(url, { headers: { authorization: `Bearer ${await hs256({ sub: 'mallory' }, new TextEncoder().encode('x'.repeat(40)))}` } }), 401, 'wrong key');
    assert.equal(await WsTestClient.refusal(url, { headers: { authorization: `Bearer ${await hs256({ sub: 'alice', exp: nowSec() - 10 })}` } }), 401, 'expired');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"root"}').toString('base64url')}.`;
    assert.equal(await WsTestClient.refusal(url, { headers: { authorization: `Bearer ${unsigned}` } }), 401, 'alg none');
    await Promise.all([byHeader.close(), byProtocol.close(), byQuery.close()]);
  } finally {
    await app.close();
  }
});

test('RS256 against a JWKS served over HTTP', { timeout: 10_000 }, async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const jwksServer = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  const { app, url } = await serve({ transport: { authenticate: jwtAuthenticator({ jwksUrl, issuer: 'https://auth.test' }) }, setup });
  try {
    const sign = (privateKeyToUse: CryptoKey, issuer = 'https://auth.test'): Promise<string> =>
      new SignJWT({ sub: 'carol' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(issuer).setExpirationTime('5m').sign(privateKeyToUse);
    const carol = await WsTestClient.connect(url, { headers: { authorization: `Bearer ${await sign(privateKey)}` } });
    assert.equal(((await carol.exchange('whoami')).payload as { id: string }).id, 'carol');
    assert.equal(await WsTestClient.refusal(url, { headers: { authorization: `Bearer ${await sign(other.privateKey)}` } }), 401, 'a key not in the set');
    assert.equal(await WsTestClient.refusal(url, { headers: { authorization: `Bearer ${await sign(privateKey, 'https://evil.test')}` } }), 401, 'wrong issuer');
    await carol.close();
  } finally {
    await app.close();
    await new Promise((resolve) => jwksServer.close(resolve));
  }
});

test('a token that expires on a live socket closes it with 4001 unless refreshed', { timeout: 10_000 }, async () => {
  const { app, transport, url } = await serve({ transport: { authenticate: jwtAuthenticator({ secret: SECRET }) }, setup });
  try {
    // Two seconds, not one: exp counts whole seconds, and a loaded machine may take most of one to connect.
    const exp = nowSec() + 2;
    const client = await WsTestClient.connect(url, { headers: { authorization: `Bearer ${await hs256({ sub: 'dave', exp })}` } });
    const { code, reason } = await within(client.closed, 4000, 'the expiry close');
    assert.equal(code, 4001);
    assert.equal(reason, 'session expired');
    assert.ok(Date.now() >= exp * 1000, 'not before the token expired');
    await eventually(() => transport.stats.users === 0 && transport.stats.connections === 0, 2000, 'the server to forget dave');
  } finally {
    await app.close();
  }
});

test('session.reauth refreshes the token in place: the socket outlives the old expiry and the new roles count from the next command', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({ transport: { authenticate: jwtAuthenticator({ secret: SECRET }) }, setup });
  try {
    const exp = nowSec() + 1;
    const client = await WsTestClient.connect(url, { headers: { authorization: `Bearer ${await hs256({ sub: 'erin', exp })}` } });
    assert.equal((await client.exchange('admin.only')).error?.code, 'FORBIDDEN');

    assert.equal((await client.exchange('session.reauth', { token: 'not-a-jwt' })).error?.code, 'UNAUTHORIZED');
    const someoneElse = await client.exchange('session.reauth', { token: await hs256({ sub: 'frank' }) });
    assert.equal(someoneElse.error?.code, 'FORBIDDEN', 'a reauth cannot switch users');

    const freshExp = nowSec() + 3;
    const fresh = await hs256({ sub: 'erin', roles: ['admin'], exp: freshExp });
    const refreshed = await client.exchange('session.reauth', { token: fresh });
    assert.equal(refreshed.kind, 'result');
    assert.equal((refreshed.payload as { expiresAt: number }).expiresAt, freshExp);
    assert.equal((await client.exchange('admin.only')).payload, 'welcome', 'the next command sees the new roles');
    assert.equal(((await client.exchange('whoami')).payload as { id: string }).id, 'erin');

    // The socket outlives the first token's expiry and closes at the fresh one's.
    const { code } = await within(client.closed, 6000, 'the close at the fresh token expiry');
    assert.equal(code, 4001);
    assert.ok(Date.now() >= freshExp * 1000, `closed at ${Date.now()}, before the fresh token expired at ${freshExp * 1000}`);
  } finally {
    await app.close();
  }
});

test('requires(): anonymous gets UNAUTHORIZED, the wrong identity FORBIDDEN, a predicate decides per command', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({
    transport: { authenticate: jwtAuthenticator({ secret: SECRET, optional: true }) },
    setup: (app) => {
      app.use(requires((user) => user.id.startsWith('staff-'), { commands: [Whoami] }));
      setup(app);
    },
  });
  try {
    const anonymous = await WsTestClient.connect(url);
    assert.equal((await anonymous.exchange('admin.only')).error?.code, 'UNAUTHORIZED');
    const staff = await WsTestClient.connect(url, { headers: { authorization: `Bearer ${await hs256({ sub: 'staff-1' })}` } });
    const guest = await WsTestClient.connect(url, { headers: { authorization: `Bearer ${await hs256({ sub: 'guest-1' })}` } });
    assert.equal((await staff.exchange('whoami')).kind, 'result');
    assert.equal((await guest.exchange('whoami')).error?.code, 'FORBIDDEN');
    // An anonymous socket can sign in in band, and is then indexed as that user.
    const signIn = await anonymous.exchange('session.reauth', { token: await hs256({ sub: 'staff-2' }) });
    assert.equal(signIn.kind, 'result');
    assert.equal((await anonymous.exchange('whoami')).kind, 'result');
    assert.equal((await app.presence.sessions('staff-2')).length, 1);
    await Promise.all([anonymous.close(), staff.close(), guest.close()]);
  } finally {
    await app.close();
  }
});

test('an unexpected failure reaches the client as INTERNAL with no stack, path or user data', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({ setup });
  try {
    const client = await WsTestClient.connect(url);
    const reply = await client.exchange('boom');
    assert.deepEqual(reply.error, { code: 'INTERNAL', message: 'internal error', details: [] });
    const raw = JSON.stringify(client.frames);
    for (const leak of ['/srv', 'bob@', 'at ', '.js:']) assert.ok(!raw.includes(leak), `"${leak}" leaked`);
    await client.close();
  } finally {
    await app.close();
  }
});

test('jwtAuthenticator options are checked up front', () => {
  assert.throws(() => jwtAuthenticator({}), TypeError);
  assert.throws(() => jwtAuthenticator({ secret: SECRET, jwks: { keys: [] } }), TypeError);
  assert.throws(() => jwtAuthenticator({ secret: 'short' }), RangeError);
  assert.throws(() => jwtAuthenticator({ secret: SECRET, algorithms: ['none'] }), TypeError);
});

/** Sends a raw upgrade request and resolves with the status and headers of the answer. */
function rawUpgrade(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const { port, pathname } = new URL(url);
  return within(
    new Promise((resolve, reject) => {
      const request = httpRequest({
        host: '127.0.0.1',
        port,
        path: pathname,
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64'), ...headers },
      });
      request.once('upgrade', (response, socket) => {
        socket.destroy();
        resolve({ status: response.statusCode ?? 0, headers: response.headers });
      });
      request.once('response', (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, headers: response.headers });
      });
      request.once('error', reject);
      request.end();
    }),
    5000,
    'the answer to a raw upgrade',
  );
}

// Regression: a bearer.<token> subprotocol offered alone was selected, so the token came back in the response header.
test('a token subprotocol is never selected: offered alone, the upgrade answers with no subprotocol at all', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({ transport: { authenticate: jwtAuthenticator({ secret: SECRET }) }, setup });
  try {
    const token = await hs256({ sub: 'alice' });
    const alone = await rawUpgrade(url, { 'sec-websocket-protocol': `bearer.${token}` });
    assert.equal(alone.status, 101, 'the token still authenticates');
    assert.equal(alone.headers['sec-websocket-protocol'], undefined, 'no subprotocol, so the token is not echoed');
    const paired = await rawUpgrade(url, { 'sec-websocket-protocol': `bearer.${token}, switchyard.v1` });
    assert.equal(paired.headers['sec-websocket-protocol'], 'switchyard.v1');
    const typed = await WsTestClient.connect(url, { protocols: ['switchyard.v1', `bearer.${token}`] });
    assert.equal(typed.ws.protocol, 'switchyard.v1');
    await typed.close();
  } finally {
    await app.close();
  }
});

// Regression: session.connected, the reauth result and ctx.user carried every claim of the token.
test('the client and ctx.user see only id, roles and exp by default, whatever else the token carries', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({ transport: { authenticate: jwtAuthenticator({ secret: SECRET }) }, setup });
  try {
    const exp = nowSec() + 600;
    const claims = { sub: 'grace', roles: ['admin'], email: 'grace@example.com', riskScore: 0.93, exp };
    const client = await WsTestClient.connect(url, { headers: { authorization: `Bearer ${await hs256(claims)}` } });
    const expected = { id: 'grace', roles: ['admin'], exp };
    const hello = client.frames.find((frame) => frame.type === 'session.connected');
    assert.deepEqual((hello?.payload as { user: unknown }).user, expected, 'session.connected');
    assert.deepEqual((await client.exchange('whoami')).payload, expected, 'ctx.user');
    const refreshed = await client.exchange('session.reauth', { token: await hs256({ ...claims, exp: exp + 60 }) });
    assert.deepEqual(refreshed.payload, { user: { ...expected, exp: exp + 60 }, expiresAt: exp + 60 }, 'the reauth result');
    assert.ok(!JSON.stringify(client.frames).includes('grace@example.com'));
    await client.close();
  } finally {
    await app.close();
  }
});

test('toIdentity chooses what the client and handlers see', { timeout: 10_000 }, async () => {
  const authenticate = jwtAuthenticator({ secret: SECRET, toIdentity: (claims) => ({ id: claims.sub as string, name: claims['name'] }) });
  const { app, url } = await serve({ transport: { authenticate }, setup });
  try {
    const exp = nowSec() + 600;
    const client = await WsTestClient.connect(url, { headers: { authorization: `Bearer ${await hs256({ sub: 'heidi', name: 'Heidi', email: 'h@example.com', exp })}` } });
    assert.deepEqual((await client.exchange('whoami')).payload, { id: 'heidi', name: 'Heidi', exp });
    await client.close();
  } finally {
    await app.close();
  }
});

// Regression: a token without exp was accepted, and a reauth with one removed the connection's deadline.
test('a token without exp is refused unless requireExpiry is false', { timeout: 10_000 }, async () => {
  const noExpiry = await new SignJWT({ sub: 'ivan' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(key);
  const strict = await serve({ transport: { authenticate: jwtAuthenticator({ secret: SECRET, optional: true }) }, setup });
  try {
    assert.equal(await WsTestClient.refusal(strict.url, { headers: { authorization: `Bearer ${noExpiry}` } }), 401);
    const anonymous = await WsTestClient.connect(strict.url);
    assert.equal((await anonymous.exchange('session.reauth', { token: noExpiry })).error?.code, 'UNAUTHORIZED', 'nor can a reauth bring one');
    await anonymous.close();
  } finally {
    await strict.app.close();
  }
  const lenient = await serve({ transport: { authenticate: jwtAuthenticator({ secret: SECRET, requireExpiry: false }) }, setup });
  try {
    const client = await WsTestClient.connect(lenient.url, { headers: { authorization: `Bearer ${noExpiry}` } });
    assert.deepEqual((await client.exchange('whoami')).payload, { id: 'ivan', roles: [] });
    await client.close();
  } finally {
    await lenient.app.close();
  }
});

test('the transport warns at start-up, through the application logger, when no audience or issuer is checked', { timeout: 10_000 }, async () => {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const unchecked = new Switchyard({ logger });
  await unchecked.listen(new WebSocketTransport({ port: 0, authenticate: jwtAuthenticator({ secret: SECRET }) }));
  await unchecked.close();
  const warnings = lines.filter((line) => line.level === 40).map((line) => line.msg);
  assert.equal(warnings.length, 2);
  assert.match(warnings.join('\n'), /"issuer"/);
  assert.match(warnings.join('\n'), /"audience"/);

  lines.length = 0;
  const checked = new Switchyard({ logger });
  await checked.listen(new WebSocketTransport({ port: 0, authenticate: jwtAuthenticator({ secret: SECRET, issuer: 'https://auth.test', audience: 'chat' }) }));
  await checked.close();
  assert.deepEqual(lines.filter((line) => line.level === 40), []);
});
