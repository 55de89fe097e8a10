import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { defineCommand, jwtAuthenticator, requires, typed } from '../src/index.js';
import { eventually, serve, TestClient, within } from './support/socket-harness.js';

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
    const byHeader = await TestClient.connect(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await byHeader.request('whoami')).payload as { id: string }).id, 'alice');
    const byProtocol = await TestClient.connect(url, { protocols: ['v1', `bearer.${token}`] });
    assert.equal(byProtocol.ws.protocol, 'v1', 'the token is not echoed back as the protocol');
    assert.equal(((await byProtocol.request('whoami')).payload as { id: string }).id, 'alice');
    const byQuery = await TestClient.connect(`${url}?access_token=${token}`);
    assert.equal((await byQuery.request('admin.only')).payload, 'welcome');

    assert.equal(await TestClient.refusal(url), 401, 'no token');
    assert.equal(await TestClient.refusal(url, { headers: { authorization: `Bearer ${await hs256({ sub: 'mallory' }, new TextEncoder().encode('x'.repeat(40)))}` } }), 401, 'wrong key');
    assert.equal(await TestClient.refusal(url, { headers: { authorization: `Bearer ${await hs256({ sub: 'alice', exp: nowSec() - 10 })}` } }), 401, 'expired');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"root"}').toString('base64url')}.`;
    assert.equal(await TestClient.refusal(url, { headers: { authorization: `Bearer ${unsigned}` } }), 401, 'alg none');
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
    const carol = await TestClient.connect(url, { headers: { authorization: `Bearer ${await sign(privateKey)}` } });
    assert.equal(((await carol.request('whoami')).payload as { id: string }).id, 'carol');
    assert.equal(await TestClient.refusal(url, { headers: { authorization: `Bearer ${await sign(other.privateKey)}` } }), 401, 'a key not in the set');
    assert.equal(await TestClient.refusal(url, { headers: { authorization: `Bearer ${await sign(privateKey, 'https://evil.test')}` } }), 401, 'wrong issuer');
    await carol.close();
  } finally {
    await app.close();
    await new Promise((resolve) => jwksServer.close(resolve));
  }
});

test('a token that expires on a live socket closes it with 4001 unless refreshed', { timeout: 10_000 }, async () => {
  const { app, transport, url } = await serve({ transport: { authenticate: jwtAuthenticator({ secret: SECRET }) }, setup });
  try {
    const exp = nowSec() + 1;
    const client = await TestClient.connect(url, { headers: { authorization: `Bearer ${await hs256({ sub: 'dave', exp })}` } });
    const { code, reason } = await within(client.closed, 3000, 'the expiry close');
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
    const client = await TestClient.connect(url, { headers: { authorization: `Bearer ${await hs256({ sub: 'erin', exp })}` } });
    assert.equal((await client.request('admin.only')).error?.code, 'FORBIDDEN');

    assert.equal((await client.request('session.reauth', { token: 'not-a-jwt' })).error?.code, 'UNAUTHORIZED');
    const someoneElse = await client.request('session.reauth', { token: await hs256({ sub: 'frank' }) });
    assert.equal(someoneElse.error?.code, 'FORBIDDEN', 'a reauth cannot switch users');

    const fresh = await hs256({ sub: 'erin', roles: ['admin'], exp: nowSec() + 600 });
    const refreshed = await client.request('session.reauth', { token: fresh });
    assert.equal(refreshed.kind, 'result');
    assert.equal((refreshed.payload as { expiresAt: number }).expiresAt > exp, true);
    assert.equal((await client.request('admin.only')).payload, 'welcome', 'the next command sees the new roles');

    // Wait out the first token's expiry: the connection must still be there.
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 300));
    assert.equal(client.ws.readyState, client.ws.OPEN);
    assert.equal(((await client.request('whoami')).payload as { id: string }).id, 'erin');
    await client.close();
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
    const anonymous = await TestClient.connect(url);
    assert.equal((await anonymous.request('admin.only')).error?.code, 'UNAUTHORIZED');
    const staff = await TestClient.connect(url, { headers: { authorization: `Bearer ${await hs256({ sub: 'staff-1' })}` } });
    const guest = await TestClient.connect(url, { headers: { authorization: `Bearer ${await hs256({ sub: 'guest-1' })}` } });
    assert.equal((await staff.request('whoami')).kind, 'result');
    assert.equal((await guest.request('whoami')).error?.code, 'FORBIDDEN');
    // An anonymous socket can sign in in band, and is then indexed as that user.
    const signIn = await anonymous.request('session.reauth', { token: await hs256({ sub: 'staff-2' }) });
    assert.equal(signIn.kind, 'result');
    assert.equal((await anonymous.request('whoami')).kind, 'result');
    assert.equal((await app.presence.sessions('staff-2')).length, 1);
    await Promise.all([anonymous.close(), staff.close(), guest.close()]);
  } finally {
    await app.close();
  }
});

test('an unexpected failure reaches the client as INTERNAL with no stack, path or user data', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({ setup });
  try {
    const client = await TestClient.connect(url);
    const reply = await client.request('boom');
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
