/**
 * When an identity ends its connection (4001): at its token's `exp`, and at
 * most `maxSessionLifetimeMs` after it was established, re-armed by a
 * successful `session.reauth`. Virtual time (the memory transport has no
 * timers of its own), so days pass in a test.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { pino } from 'pino';
import { SessionReauth, Switchyard, type Identity, type SwitchyardOptions } from '../src/index.js';
import { MemoryTransport, type MemoryClient } from '../src/testing.js';

const SECOND = 1000;
const DAY = 24 * 60 * 60 * SECOND;
const START = Date.UTC(2030, 0, 1);

async function start(t: TestContext, options: SwitchyardOptions, verifyToken?: (token: string) => Promise<Identity>): Promise<MemoryTransport> {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: START });
  const app = new Switchyard({ logger: pino({ level: 'silent' }), ...options });
  const memory = await app.listen(new MemoryTransport(verifyToken === undefined ? {} : { verifyToken }));
  t.after(() => app.close());
  return memory;
}

/** How the server closed the client, if it has (a function, so each read is fresh). */
const closeCode = (client: MemoryClient): number | undefined => client.closedWith?.code;

describe('session lifetime', () => {
  it('closes an identity without exp with 4001 once maxSessionLifetimeMs has passed since it was established', async (t) => {
    const memory = await start(t, { maxSessionLifetimeMs: 60 * SECOND });
    const client = memory.connect({ user: { id: 'ursula' } });
    t.mock.timers.tick(60 * SECOND - 1);
    assert.equal(closeCode(client), undefined, 'still open just before the bound');
    t.mock.timers.tick(1);
    assert.deepEqual(client.closedWith, { code: 4001, reason: 'session expired' });
  });

  it('caps a token whose exp lies beyond the bound; the default bound is a day', async (t) => {
    const memory = await start(t, {});
    const client = memory.connect({ user: { id: 'victor', exp: START / SECOND + 7 * DAY / SECOND } });
    t.mock.timers.tick(DAY - 1);
    assert.equal(closeCode(client), undefined);
    t.mock.timers.tick(1);
    assert.equal(closeCode(client), 4001, 'closed a day after it connected, not at the token exp a week away');
  });

  it('leaves anonymous connections alone', async (t) => {
    const memory = await start(t, { maxSessionLifetimeMs: 60 * SECOND });
    const anonymous = memory.connect();
    t.mock.timers.tick(7 * DAY);
    assert.equal(closeCode(anonymous), undefined);
  });

  it('re-arms the bound on a successful session.reauth, even with a token that has no exp', async (t) => {
    const memory = await start(t, { maxSessionLifetimeMs: 60 * SECOND }, async () => ({ id: 'wendy' }));
    const client = memory.connect({ user: { id: 'wendy' } });
    t.mock.timers.tick(40 * SECOND);
    const refreshed = await client.request(SessionReauth, { token: 'fresh' });
    assert.deepEqual(refreshed, { user: { id: 'wendy' }, expiresAt: null });
    t.mock.timers.tick(59 * SECOND);
    assert.equal(closeCode(client), undefined, 'the reauth at 40 s moved the bound to 100 s');
    t.mock.timers.tick(1 * SECOND);
    assert.equal(closeCode(client), 4001, 'a reauth without exp does not remove the deadline');
  });

  // Regression: Node runs a timer longer than 2^31-1 ms (24.8 days) at once, so the expiry timer was capped there and fired early.
  it('keeps an identity whose exp is 30 days away open past 24.8 days, and closes it at exp', async (t) => {
    const memory = await start(t, { maxSessionLifetimeMs: false });
    const client = memory.connect({ user: { id: 'xavier', exp: START / SECOND + 30 * DAY / SECOND } });
    t.mock.timers.tick(25 * DAY);
    assert.equal(closeCode(client), undefined, 'still open after 25 days');
    t.mock.timers.tick(5 * DAY - 1);
    assert.equal(closeCode(client), undefined);
    t.mock.timers.tick(1);
    assert.equal(closeCode(client), 4001, 'closed at exp');
  });

  it('checks maxSessionLifetimeMs up front', () => {
    assert.throws(() => new Switchyard({ maxSessionLifetimeMs: 0 }), RangeError);
    assert.throws(() => new Switchyard({ maxSessionLifetimeMs: 1.5 }), RangeError);
    assert.throws(() => new Switchyard({ maxSessionLifetimeMs: true as unknown as false }), RangeError);
  });
});
