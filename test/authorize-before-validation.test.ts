/**
 * requires() decides before the payload is validated (regression: an
 * anonymous caller of an admin-only command got its field names and enum
 * values back in INVALID_PAYLOAD details, and ran its validator). With roles
 * the whole check comes first; with a predicate, the sign-in check comes
 * first and the predicate, which may read the payload, after validation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { CommandError, ErrorCode, Switchyard, defineCommand, jwtAuthenticator, requires, typed, type Identity } from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';
import { serve, within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';
import { testLogger } from './support/harness.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
/** What the schema would tell anyone who sent it a bad payload: none of it may reach an unauthorized caller. */
const SCHEMA_WORDS = ['target', 'reason', 'spam', 'abuse', 'owner'];

/** A zod schema behind a Standard Schema that counts its validations. */
function counting<S extends z.ZodType>(schema: S): { schema: StandardSchemaV1<z.input<S>, z.output<S>>; calls: () => number } {
  let calls = 0;
  const inner = schema['~standard'] as StandardSchemaV1.Props<z.input<S>, z.output<S>>;
  return {
    schema: { '~standard': { ...inner, validate: (value: unknown) => (calls++, inner.validate(value)) } },
    calls: () => calls,
  };
}

/** Registers two guarded commands on `app`: one by role, one by a predicate on the payload. */
function guard(app: Switchyard) {
  const kick = counting(z.object({ target: z.string(), reason: z.enum(['spam', 'abuse']) }));
  const wipe = counting(z.object({ owner: z.string().transform((owner) => owner.toLowerCase()) }));
  const Kick = defineCommand('room.kick', { payload: kick.schema, result: typed<string>() });
  const Wipe = defineCommand('cart.wipe', { payload: wipe.schema, result: typed<string>() });
  const predicateSaw: unknown[] = [];
  app
    .register(Kick, ({ target }) => `kicked ${target}`)
    .register(Wipe, ({ owner }) => `wiped ${owner}`);
  app.use(requires('admin', { commands: [Kick] }));
  app.use(
    requires(
      (user, ctx) => {
        predicateSaw.push(ctx.payload);
        return (ctx.payload as { owner: string }).owner === user.id;
      },
      { commands: [Wipe] },
    ),
  );
  return { Kick, Wipe, kick, wipe, predicateSaw };
}

function guardedApp() {
  const app = new Switchyard({ logger: testLogger() });
  return { app, ...guard(app) };
}

type Reply = { code?: string; message?: string; details?: unknown; result?: unknown };

function assertNoSchemaLeak(reply: Reply, code: string): void {
  assert.equal(reply.code, code, `expected ${code}, got ${JSON.stringify(reply)}`);
  assert.deepEqual(reply.details, []);
  const text = JSON.stringify(reply);
  for (const word of SCHEMA_WORDS) assert.ok(!text.includes(word), `"${word}" leaked in ${text}`);
}

async function memoryReply(client: ReturnType<MemoryTransport['connect']>, command: ReturnType<typeof guard>['Kick'] | ReturnType<typeof guard>['Wipe'], payload: unknown): Promise<Reply> {
  try {
    return { result: await within(client.request(command, payload as never), 2000, `the reply to ${command.type}`) };
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    return { code: error.code, message: error.message, details: error.details };
  }
}

describe('authorization before validation, over the memory transport', () => {
  it('answers an anonymous or wrong-role caller of a role-guarded command with no schema details, and never validates', async () => {
    const { app, Kick, kick } = guardedApp();
    const memory = await app.listen(new MemoryTransport());
    const anonymous = memory.connect();
    const member: Identity = { id: 'ada', roles: ['member'] };
    const wrongRole = memory.connect({ user: member });
    for (const payload of [{ target: 7, reason: 'boredom' }, 'not even an object', undefined]) {
      assertNoSchemaLeak(await memoryReply(anonymous, Kick, payload), ErrorCode.UNAUTHORIZED);
      assertNoSchemaLeak(await memoryReply(wrongRole, Kick, payload), ErrorCode.FORBIDDEN);
    }
    assert.equal(kick.calls(), 0, 'the validator never ran for a caller who may not run the command');

    const admin = memory.connect({ user: { id: 'root', roles: ['admin'] } });
    const invalid = await memoryReply(admin, Kick, { target: 'mallory', reason: 'boredom' });
    assert.equal(invalid.code, ErrorCode.INVALID_PAYLOAD, 'an authorized caller still gets the details');
    assert.match(JSON.stringify(invalid.details), /reason/);
    assert.deepEqual(await memoryReply(admin, Kick, { target: 'mallory', reason: 'spam' }), { result: 'kicked mallory' });
    assert.equal(kick.calls(), 2);
    await app.close();
  });

  it('with a predicate: refuses anonymous callers before validation, and decides on the validated payload after it', async () => {
    const { app, Wipe, wipe, predicateSaw } = guardedApp();
    const memory = await app.listen(new MemoryTransport());
    const anonymous = memory.connect();
    assertNoSchemaLeak(await memoryReply(anonymous, Wipe, { owner: 42 }), ErrorCode.UNAUTHORIZED);
    assert.equal(wipe.calls(), 0);
    assert.deepEqual(predicateSaw, []);

    const ada = memory.connect({ user: { id: 'ada' } });
    assert.deepEqual(await memoryReply(ada, Wipe, { owner: 'ADA' }), { result: 'wiped ada' });
    assert.equal((await memoryReply(ada, Wipe, { owner: 'Bob' })).code, ErrorCode.FORBIDDEN);
    assert.deepEqual(predicateSaw, [{ owner: 'ada' }, { owner: 'bob' }], 'the predicate reads the validated (transformed) payload');
    await app.close();
  });
});

describe('authorization before validation, over a real socket', () => {
  async function token(sub: string, roles: string[]): Promise<string> {
    return new SignJWT({ sub, roles }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
  }

  it('sends UNAUTHORIZED or FORBIDDEN with no schema details in the frame, and never validates', { timeout: 15_000 }, async () => {
    let guarded: ReturnType<typeof guard> | undefined;
    const { app, url } = await serve({
      transport: { authenticate: jwtAuthenticator({ secret: SECRET, optional: true }) },
      setup: (app) => void (guarded = guard(app)),
    });
    assert.ok(guarded !== undefined);
    const { kick, wipe } = guarded;
    const anonymous = await WsTestClient.connect(url);
    const member = await WsTestClient.connect(url, { headers: { authorization: `Bearer ${await token('ada', ['member'])}` } });
    try {
      const bad = { target: 7, reason: 'boredom' };
      const frames = [
        [await anonymous.exchange('room.kick', bad), ErrorCode.UNAUTHORIZED],
        [await member.exchange('room.kick', bad), ErrorCode.FORBIDDEN],
        [await anonymous.exchange('cart.wipe', { owner: 42 }), ErrorCode.UNAUTHORIZED],
      ] as const;
      for (const [frame, code] of frames) {
        assert.equal(frame.kind, 'error');
        assertNoSchemaLeak({ ...frame.error }, code);
      }
      assert.equal(kick.calls(), 0, 'room.kick was never validated');
      assert.equal(wipe.calls(), 0, 'cart.wipe was never validated');
    } finally {
      await Promise.all([anonymous.close(), member.close()]);
      await app.close();
    }
  });
});
