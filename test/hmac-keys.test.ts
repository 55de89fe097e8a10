import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { jwtAuthenticator } from '../src/index.js';

const secret = 'a-shared-secret-of-at-least-32-bytes!!';
const key = new TextEncoder().encode(secret);
const exp = () => Math.floor(Date.now() / 1000) + 600;
const sign = (alg: string, sub: string, with_ = key) => new SignJWT({}).setProtectedHeader({ alg }).setSubject(sub).setExpirationTime(exp()).sign(with_);

test('an HMAC secret is imported once per algorithm and serves every later token; no result is cached', { timeout: 10_000 }, async (t) => {
  const importKey = t.mock.method(globalThis.crypto.subtle, 'importKey');
  const { verifyToken } = jwtAuthenticator({ secret, algorithms: ['HS256', 'HS384'] });
  for (let i = 0; i < 5; i++) assert.equal((await verifyToken(await sign('HS256', `user-${i}`))).id, `user-${i}`);
  assert.equal((await verifyToken(await sign('HS384', 'user-384'))).id, 'user-384');
  const imports = importKey.mock.calls.filter((call) => call.arguments[0] === 'raw' && (call.arguments[4] as string[]).includes('verify'));
  assert.equal(imports.length, 2, 'one import for HS256, one for HS384');
  // The same token verified again is verified again: a token signed with another secret is refused even after good ones.
  const forged = await sign('HS256', 'user-0', new TextEncoder().encode('another-secret-of-at-least-32-bytes!!!'));
  await assert.rejects(verifyToken(forged));
  // An algorithm not allowed is refused before any key is made for it.
  await assert.rejects(verifyToken(await sign('HS512', 'user-512')));
  assert.equal(importKey.mock.calls.filter((call) => (call.arguments[4] as string[]).includes('verify') && (call.arguments[2] as { hash?: string }).hash === 'SHA-512').length, 0);
});
