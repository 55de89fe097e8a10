/** Every close code Switchyard sends is exported and documented. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CloseCode } from '../src/index.js';

const reliability = readFileSync(new URL('../../docs/reliability.md', import.meta.url), 'utf8');
const errors = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

test('every CloseCode is documented in docs/reliability.md and docs/errors.md', () => {
  assert.ok(Object.isFrozen(CloseCode));
  for (const [name, code] of Object.entries(CloseCode)) {
    assert.ok(reliability.includes(`| ${code} | \`${name}\` |`), `${name} (${code}) is missing from docs/reliability.md`);
    assert.ok(errors.includes(`| ${code} |`), `${code} is missing from docs/errors.md`);
    assert.ok((code >= 1000 && code < 1016) || (code >= 4000 && code < 5000), `${code} is a valid close code to send`);
  }
});
