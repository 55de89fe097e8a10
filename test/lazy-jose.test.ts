/** `jose` is loaded on the first token verification, never by importing the package. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const entry = new URL('../src/index.js', import.meta.url).href;

// A loader hook that fails any attempt to load jose, so loading it shows.
const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === 'jose') throw new Error('jose was loaded');
  return next(specifier, context);
}`;
const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;

// Regression: the root entry imported jose for every user, authenticating with JWTs or not.
test('importing switchyard does not load jose; creating a jwtAuthenticator does not either; the first verification does', { timeout: 20_000 }, () => {
  const script = `
    const { jwtAuthenticator, Switchyard } = await import(${JSON.stringify(entry)});
    new Switchyard();
    const authenticate = jwtAuthenticator({ secret: 'a-secret-that-is-long-enough-for-hs256' });
    const outcome = await authenticate.verifyToken('a.b.c').then(() => 'verified', (error) => error.message);
    console.log(JSON.stringify({ outcome }));
  `;
  const child = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
    timeout: 15_000,
  });
  assert.equal(child.status, 0, `the import failed: ${child.stderr}`);
  assert.deepEqual(JSON.parse(child.stdout.trim()), { outcome: 'jose was loaded' });
});
