/**
 * Middleware wraps every handler like an onion, sees the validated payload
 * (or the raw one, for layers that run before validation), and can refuse.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { CommandError, ErrorCode, Switchyard, defineCommand, typed, type Middleware } from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';
import { within } from './support/socket-harness.js';
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

  it('refuses a second next() from the same layer, so the handler runs once (regression: a layer calling next() twice ran the handler twice)', async () => {
    let runs = 0;
    const Count = defineCommand('test.count', { payload: typed<unknown>(), result: typed<number>() });
    const twice: Middleware = async (_ctx, next) => {
      await next();
      return next();
    };
    const app = new Switchyard({ logger: testLogger() }).register(Count, () => ++runs);
    app.use(twice);
    const client = (await app.listen(new MemoryTransport())).connect();
    await assert.rejects(within(client.request(Count, null), 2000, 'the reply to test.count'), { code: ErrorCode.INTERNAL });
    assert.equal(runs, 1);
    await app.close();
  });

  it('logs a second next() as the middleware mistake it is', async () => {
    const logged: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    const app = registerFixtures(new Switchyard({ logger }));
    app.use(async (_ctx, next) => {
      void next().catch(() => undefined);
      return next();
    });
    const client = (await app.listen(new MemoryTransport())).connect();
    await assert.rejects(within(client.request(Echo, 1), 2000, 'the reply to test.echo'), { code: ErrorCode.INTERNAL });
    assert.ok(
      logged.some((line) => line.includes('called next() more than once')),
      `logged: ${logged.join('')}`,
    );
    await app.close();
  });

  it('runs layers marked runsBeforeValidation first, on the raw payload, and the validator only if they call next()', async () => {
    let validations = 0;
    const counted: StandardSchemaV1<{ n: number }, { n: number }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate(value) {
          validations += 1;
          const n = (value as { n?: unknown } | null)?.n;
          return typeof n === 'number' ? { value: { n: n * 10 } } : { issues: [{ message: 'expected a number', path: ['n'] }] };
        },
      },
    };
    const Scaled = defineCommand('test.scaled', { payload: counted, result: typed<number>() });
    const trace: string[] = [];
    const early: Middleware = Object.assign(
      async (ctx: Parameters<Middleware>[0], next: () => Promise<unknown>) => {
        trace.push(`early:${JSON.stringify(ctx.payload)}:${validations}`);
        if ((ctx.payload as { stop?: boolean }).stop === true) throw new CommandError(ErrorCode.FORBIDDEN, 'stopped early');
        return next();
      },
      { runsBeforeValidation: true } as const,
    );
    const late: Middleware = async (ctx, next) => {
      trace.push(`late:${JSON.stringify(ctx.payload)}:${validations}`);
      return next();
    };
    // Added late first: the phase, not the order of use(), puts the early layer outside validation.
    const app = new Switchyard({ logger: testLogger() }).register(Scaled, ({ n }) => n);
    app.use(late);
    app.use(early);
    const client = (await app.listen(new MemoryTransport())).connect();
    assert.equal(await within(client.request(Scaled, { n: 2 }), 2000, 'the reply to test.scaled'), 20);
    assert.deepEqual(trace, ['early:{"n":2}:0', 'late:{"n":20}:1']);
    await assert.rejects(within(client.request(Scaled, { stop: true } as never), 2000, 'the refusal of test.scaled'), { code: ErrorCode.FORBIDDEN });
    assert.equal(validations, 1, 'a refusal before validation never runs the validator');
    await app.close();
  });

  it('refuses a runsBeforeValidation marker that is not a boolean', () => {
    const app = new Switchyard({ logger: testLogger() });
    const odd = Object.assign(async (_ctx: unknown, next: () => Promise<unknown>) => next(), { runsBeforeValidation: 'yes' });
    assert.throws(() => app.use(odd as unknown as Middleware), TypeError);
  });
});
