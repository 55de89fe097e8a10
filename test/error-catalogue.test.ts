/** Every coded error is exported, typed, and documented in docs/errors.md. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CommandError, ErrorCode, SetupError, SetupErrorCode, SwitchyardError } from '../src/index.js';

const documented = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('error catalogue', () => {
  for (const [name, codes] of [
    ['ErrorCode', ErrorCode],
    ['SetupErrorCode', SetupErrorCode],
  ] as const) {
    it(`documents every ${name} in docs/errors.md and keeps key and value equal`, () => {
      for (const [key, code] of Object.entries(codes)) {
        assert.equal(key, code);
        assert.ok(documented.includes(`| \`${code}\` |`), `${code} is missing from docs/errors.md`);
      }
      assert.ok(Object.isFrozen(codes));
    });
  }

  it('gives every error a name, a code and a cause', () => {
    const cause = new Error('root');
    const error = new CommandError('ROOM_FULL', 'full', [1], { cause });
    assert.ok(error instanceof SwitchyardError);
    assert.deepEqual([error.name, error.code, error.details, error.cause], ['CommandError', 'ROOM_FULL', [1], cause]);
    const setup = new SetupError(SetupErrorCode.DUPLICATE_HANDLER, 'twice');
    assert.deepEqual([setup.name, setup.code], ['SetupError', 'DUPLICATE_HANDLER']);
  });

  it('refuses a CommandError without a code', () => {
    assert.throws(() => new CommandError('', 'no code'), TypeError);
  });
});
