/** Every built-in error code has its HTTP status, and docs/http.md lists each. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { ErrorCode, httpStatusOf } from '../src/index.js';

describe('HTTP status of each error code', () => {
  it('follows the design: 400, 401, 403, 404, 429, 500, 503, 504, and 409 for an application code', () => {
    assert.deepEqual(
      Object.fromEntries(Object.values(ErrorCode).map((code) => [code, httpStatusOf(code)])),
      {
        BAD_FRAME: 400,
        INVALID_PAYLOAD: 400,
        UNAUTHORIZED: 401,
        FORBIDDEN: 403,
        UNKNOWN_COMMAND: 404,
        RATE_LIMITED: 429,
        TIMEOUT: 504,
        INTERNAL: 500,
        TOO_MANY_ROOMS: 409,
        ROOM_FULL: 409,
        UNAVAILABLE: 503,
      },
    );
    assert.equal(httpStatusOf('ROOM_FULL'), 409);
  });

  it('is documented in docs/http.md, code by code', async () => {
    const doc = await readFile(new URL('../../docs/http.md', import.meta.url), 'utf8');
    for (const code of Object.values(ErrorCode)) {
      if (code === ErrorCode.TOO_MANY_ROOMS || code === ErrorCode.ROOM_FULL) {
        assert.match(doc, new RegExp(`\\| 409 \\| the application's code \\|.*${code}`));
        continue;
      }
      assert.match(doc, new RegExp(`\\| ${httpStatusOf(code)} \\| \`${code}\` \\|`), `${code} is in the status table`);
    }
  });
});
