/** Middleware wraps every handler like an onion, sees the validated payload, and can refuse. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandError, ErrorCode, Switchyard, type Middleware } from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';
import { Add, Echo, registerFixtures } from './support/fixtures.js';
import { testLogger } from './support/harness.js';

async function appWith(...layers: Middleware[]) {
  const app = registerFixtures(new Switchyard({ logger: testLogger() }));
  for (const layer of layers) app.use(layer);
  const client = (await app.listen(new MemoryTransport())).connect({ user: { id: 'ada', roles: ['member'] } });
  return { app, client };
}

describe('middleware', () => {
  it('runs outermost first, around the handler, with the validated payload', async () => {
    const trace: string[] = [];
    const layer =
      (name: string): Middleware =>
      async (ctx, next) => {
        trace.push(`${name}>${ctx.type}:${JSON.stringify(ctx.payload)}`);
        const result = await next();
        trace.push(`${name}<${String(result)}`);
        return result;
      };
    const { app, client } = await appWith(layer('outer'), layer('inner'));
    assert.equal(await client.request(Add, { a: 1, b: 2 }), 3);
    assert.deepEqual(trace, ['outer>test.add:{"a":1,"b":2}', 'inner>test.add:{"a":1,"b":2}', 'inner<3', 'outer<3']);
    await app.close();
  });

  it('can answer instead of the handler, or replace its result', async () => {
    const { app, client } = await appWith(async (ctx, next) => (ctx.type === Echo.type ? 'from middleware' : next()));
    assert.equal(await client.request(Echo, 'ignored'), 'from middleware');
    assert.equal(await client.request(Add, { a: 2, b: 2 }), 4);
    await app.close();
  });

  it('refuses with a coded error that reaches even a fire-and-forget sender, since the handler never ran', async () => {
    const guard: Middleware = async (ctx, next) => {
      if (!ctx.user?.roles?.includes('admin')) throw new CommandError(ErrorCode.FORBIDDEN, `${ctx.type} needs the admin role`);
      return next();
    };
    const { app, client } = await appWith(guard);
    await assert.rejects(client.request(Add, { a: 1, b: 1 }), { code: ErrorCode.FORBIDDEN, message: 'test.add needs the admin role' });
    client.send(Add, { a: 1, b: 1 });
    const refusal = await client.waitFor((frame) => frame.kind === 'error' && frame.id === undefined);
    assert.equal(refusal.kind === 'error' && refusal.error.code, ErrorCode.FORBIDDEN);
    await app.close();
  });

  it('sees the identity, command id and a child logger in its context', async () => {
    let seen: unknown;
    const { app, client } = await appWith(async (ctx, next) => {
      seen = { user: ctx.user?.id, commandId: ctx.commandId, connectionId: ctx.connectionId, logs: typeof ctx.log.info };
      return next();
    });
    await client.request(Echo, 1);
    assert.deepEqual(seen, { user: 'ada', commandId: 'm1', connectionId: client.connectionId, logs: 'function' });
    await app.close();
  });
});
