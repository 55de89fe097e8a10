/**
 * A handler's `ctx` is the context's public surface and nothing more: the
 * bus's own bookkeeping is out of reach, and what it shows is read-only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, Switchyard, defineCommand, typed, type CommandContext, type Middleware } from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';
import { within } from './support/socket-harness.js';
import { Add, Echo, registerFixtures } from './support/fixtures.js';
import { testLogger } from './support/harness.js';

const Tamper = defineCommand('test.tamper', { payload: typed<unknown>() });

/** The members a handler or a middleware may rely on (CommandContext, plus MiddlewareContext's command and payload). */
const PUBLIC_SURFACE = ['type', 'commandId', 'connectionId', 'user', 'log', 'signal', 'rooms', 'publish', 'join', 'leave', 'identify', 'ask', 'command', 'payload'];

function membersOf(value: object): string[] {
  const names = new Set<string>(Object.keys(value));
  for (let proto = Object.getPrototypeOf(value) as object | null; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') names.add(name);
  }
  return [...names].sort();
}

describe('the context a handler sees', () => {
  it('shows only the public surface: no bookkeeping to flip, no abort to call', async () => {
    let seen: CommandContext | undefined;
    const app = new Switchyard({ logger: testLogger() }).register(Echo, (payload, ctx) => {
      seen = ctx;
      return payload;
    });
    const client = (await app.listen(new MemoryTransport())).connect();
    await within(client.request(Echo, 1), 2000, 'the reply to test.echo');
    assert.ok(seen !== undefined, 'the handler ran');
    assert.deepEqual(membersOf(seen), [...PUBLIC_SURFACE].sort());
    await app.close();
  });

  it('keeps fire-and-forget error reporting on the real state when a handler writes to ctx (regression: ctx.reachedHandler = false made a failed fire-and-forget command answer)', async () => {
    const app = registerFixtures(new Switchyard({ logger: testLogger() })).register(Tamper, (_payload, ctx) => {
      Object.assign(ctx, { reachedHandler: false });
      throw new Error('the handler failed after it started');
    });
    const client = (await app.listen(new MemoryTransport())).connect();
    client.send(Tamper, null);
    // The memory transport answers in order: once this reply is in, any answer to the tampering command would be too.
    assert.equal(await within(client.request(Add, { a: 1, b: 1 }), 2000, 'the reply to test.add'), 2);
    assert.deepEqual(
      client.frames.filter((frame) => frame.kind === 'error'),
      [],
      'a fire-and-forget command whose handler started is owed no answer',
    );
    await app.close();
  });

  it('keeps the validated payload and the command read-only for middleware and handlers', async () => {
    const writes: boolean[] = [];
    const overwrite: Middleware = async (ctx, next) => {
      writes.push(Reflect.set(ctx, 'payload', { a: 100, b: 100 }), Reflect.set(ctx, 'command', Echo));
      return next();
    };
    const app = registerFixtures(new Switchyard({ logger: testLogger() }));
    app.use(overwrite);
    const client = (await app.listen(new MemoryTransport())).connect();
    assert.equal(await within(client.request(Add, { a: 1, b: 2 }), 2000, 'the reply to test.add'), 3);
    assert.deepEqual(writes, [false, false]);
    await app.close();
  });

  it('still aborts ctx.signal on TIMEOUT, from the bus side', async () => {
    const Hang = defineCommand('test.hang', { payload: typed<unknown>() });
    let reason: unknown;
    const app = new Switchyard({ logger: testLogger(), commandTimeoutMs: 50 }).register(
      Hang,
      (_payload, ctx) =>
        new Promise<void>((resolve) =>
          ctx.signal.addEventListener('abort', () => {
            reason = ctx.signal.reason;
            resolve();
          }),
        ),
    );
    const client = (await app.listen(new MemoryTransport())).connect();
    await assert.rejects(within(client.request(Hang, null), 2000, 'the TIMEOUT of test.hang'), { code: ErrorCode.TIMEOUT });
    assert.equal((reason as { code?: string } | undefined)?.code, ErrorCode.TIMEOUT);
    await app.close();
  });
});
