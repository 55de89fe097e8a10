/**
 * What `register()` accepts as a handler: a function (arrow or not), or a
 * class with an `execute` method. Anything else is refused at registration,
 * naming the class, instead of failing every command with INTERNAL.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { injectable } from 'tsyringe';
import { z } from 'zod';
import { SetupError, SetupErrorCode, Switchyard, defineCommand, typed, type CommandHandler, type Handler, type PayloadOf, type ResultOf } from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';
import { within } from './support/socket-harness.js';
import { testLogger } from './support/harness.js';

const Double = defineCommand('double', { payload: z.object({ n: z.number() }), result: typed<number>() });

async function answer(handler: Handler<typeof Double>): Promise<number> {
  const app = new Switchyard({ logger: testLogger() }).register(Double, handler);
  try {
    const client = (await app.listen(new MemoryTransport())).connect();
    return await within(client.request(Double, { n: 21 }), 2000, 'the reply to double');
  } finally {
    await app.close();
  }
}

function refusedAsInvalid(name: string, ...phrases: string[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SetupError, `expected a SetupError, got ${String(error)}`);
    assert.equal(error.code, SetupErrorCode.INVALID_HANDLER);
    for (const phrase of [name, '"double"', ...phrases]) assert.ok(error.message.includes(phrase), `"${phrase}" missing from: ${error.message}`);
    return true;
  };
}

describe('handler registration', () => {
  it('refuses a class whose execute is a class field (regression: it was taken for a function and every command failed with INTERNAL)', () => {
    @injectable()
    class FieldHandler implements CommandHandler<typeof Double> {
      execute = async ({ n }: PayloadOf<typeof Double>): Promise<ResultOf<typeof Double>> => n * 2;
    }
    const app = new Switchyard({ logger: testLogger() });
    assert.throws(() => app.register(Double, FieldHandler), refusedAsInvalid('FieldHandler', 'method', 'class field'));
    assert.equal(app.bus.has(Double.type), false, 'nothing is registered for the command');
  });

  it('refuses an empty class, naming it', () => {
    class EmptyHandler {}
    const app = new Switchyard({ logger: testLogger() });
    assert.throws(() => app.register(Double, EmptyHandler as unknown as Handler<typeof Double>), refusedAsInvalid('EmptyHandler', 'execute'));
  });

  it('refuses what is neither a function nor a class', () => {
    const app = new Switchyard({ logger: testLogger() });
    for (const handler of [undefined, null, 42, { execute: () => 1 }]) {
      assert.throws(
        () => app.register(Double, handler as unknown as Handler<typeof Double>),
        (error: unknown) => error instanceof SetupError && error.code === SetupErrorCode.INVALID_HANDLER && error.message.includes('"double"'),
      );
    }
  });

  it('takes arrow functions and function declarations as handlers, even without an execute', async () => {
    assert.equal(await answer(({ n }) => n * 2), 42);
    assert.equal(
      await answer(function double({ n }) {
        return n * 2;
      }),
      42,
    );
    assert.equal(
      await answer(async function double({ n }) {
        return n * 2;
      }),
      42,
    );
  });

  it('takes a class with an execute method, its own or inherited', async () => {
    @injectable()
    class Doubler implements CommandHandler<typeof Double> {
      execute({ n }: PayloadOf<typeof Double>): ResultOf<typeof Double> {
        return n * 2;
      }
    }
    @injectable()
    class InheritingDoubler extends Doubler {}
    assert.equal(await answer(Doubler), 42);
    assert.equal(await answer(InheritingDoubler), 42);
  });
});
