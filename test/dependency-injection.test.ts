/**
 * Handlers are built by tsyringe from the decorator metadata `tsc` emits:
 * the same path a user's build takes. A handler that cannot be built fails
 * at registration, naming its class.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from 'pino';
import { inject, injectable } from 'tsyringe';
import { z } from 'zod';
import { EventPublisher, SetupError, SetupErrorCode, Switchyard, Tokens, defineCommand, defineEvent, to, typed, type CommandContext, type CommandHandler, type PayloadOf, type ResultOf } from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';
import { testLogger } from './support/harness.js';

const Greet = defineCommand('greet', { payload: z.object({ name: z.string() }), result: typed<{ greeting: string }>() });
const Greeted = defineEvent('greeted', typed<{ greeting: string }>());

@injectable()
class Greeter {
  greet(name: string): string {
    return `hello, ${name}`;
  }
}

@injectable()
class GreetHandler implements CommandHandler<typeof Greet> {
  constructor(
    private readonly greeter: Greeter,
    private readonly events: EventPublisher,
    @inject(Tokens.Logger) readonly log: Logger,
  ) {}

  async execute({ name }: PayloadOf<typeof Greet>, ctx: CommandContext): Promise<ResultOf<typeof Greet>> {
    const greeting = this.greeter.greet(name);
    this.events.publish(Greeted, { greeting }, to.connection(ctx.connectionId));
    return { greeting };
  }
}

describe('dependency injection', () => {
  it('builds a handler class with the publisher, the logger and the application’s own services', async () => {
    const app = new Switchyard({ logger: testLogger() });
    app.container.registerSingleton(Greeter);
    app.register(Greet, GreetHandler);
    const memory = await app.listen(new MemoryTransport());
    const client = memory.connect();
    assert.deepEqual(await client.request(Greet, { name: 'Ada' }), { greeting: 'hello, Ada' });
    assert.deepEqual(client.events(Greeted), [{ greeting: 'hello, Ada' }]);
    await app.close();
  });

  it('builds each handler class once, not once per command', async () => {
    let built = 0;
    @injectable()
    class Counting implements CommandHandler<typeof Greet> {
      constructor(readonly greeter: Greeter) {
        built += 1;
      }
      execute({ name }: PayloadOf<typeof Greet>): ResultOf<typeof Greet> {
        return { greeting: this.greeter.greet(name) };
      }
    }
    const app = new Switchyard({ logger: testLogger() });
    app.container.registerSingleton(Greeter);
    app.register(Greet, Counting);
    const client = (await app.listen(new MemoryTransport())).connect();
    await Promise.all([client.request(Greet, { name: 'a' }), client.request(Greet, { name: 'b' })]);
    assert.equal(built, 1);
    await app.close();
  });

  it('refuses, naming the class, a handler whose constructor lost its decorator metadata (as esbuild builds do)', () => {
    // What an esbuild-compiled class looks like: a constructor parameter, no design:paramtypes.
    const StrippedHandler = new Function('return class StrippedHandler { constructor(greeter) { this.greeter = greeter; } execute() {} }')() as new (
      greeter: Greeter,
    ) => CommandHandler<typeof Greet>;
    const app = new Switchyard({ logger: testLogger() });
    assert.throws(
      () => app.register(Greet, StrippedHandler),
      (error: unknown) =>
        error instanceof SetupError &&
        error.code === SetupErrorCode.HANDLER_RESOLUTION &&
        error.message.includes('StrippedHandler') &&
        error.message.includes('emitDecoratorMetadata'),
    );
  });

  it('refuses, naming the class and the reason, a handler with a dependency the container cannot build', () => {
    interface Clock {
      now(): number;
    }
    const CLOCK = Symbol('Clock');
    @injectable()
    class NeedsClock implements CommandHandler<typeof Greet> {
      constructor(@inject(CLOCK) readonly clock: Clock) {}
      execute(): ResultOf<typeof Greet> {
        return { greeting: String(this.clock.now()) };
      }
    }
    const app = new Switchyard({ logger: testLogger() });
    assert.throws(
      () => app.register(Greet, NeedsClock),
      (error: unknown) => error instanceof SetupError && error.code === SetupErrorCode.HANDLER_RESOLUTION && /NeedsClock/.test(error.message) && /Clock/.test(error.message),
    );
  });

  it('names the likely causes when tsyringe knows nothing of a class: no @injectable(), or a second copy of tsyringe (regression: a bare "TypeInfo not known")', () => {
    // Parameter decorators alone make tsc emit metadata, but only @injectable() tells tsyringe about the class;
    // a class decorated by another copy of tsyringe looks exactly like this to the container.
    class NotInjectable implements CommandHandler<typeof Greet> {
      constructor(@inject(Tokens.Logger) readonly log: Logger) {}
      execute({ name }: PayloadOf<typeof Greet>): ResultOf<typeof Greet> {
        return { greeting: name };
      }
    }
    const app = new Switchyard({ logger: testLogger() });
    assert.throws(
      () => app.register(Greet, NotInjectable),
      (error: unknown) => {
        assert.ok(error instanceof SetupError && error.code === SetupErrorCode.HANDLER_RESOLUTION, String(error));
        for (const phrase of ['NotInjectable', '"greet"', '@injectable()', 'npm ls tsyringe', 'peer dependency', '@inject(token)']) {
          assert.ok(error.message.includes(phrase), `"${phrase}" missing from: ${error.message}`);
        }
        return true;
      },
    );
  });

  it('refuses a constructor parameter typed as an interface, which metadata records as Object, and says to inject it by token', () => {
    interface Clock {
      now(): number;
    }
    @injectable()
    class NeedsClock implements CommandHandler<typeof Greet> {
      constructor(readonly clock: Clock) {}
      execute(): ResultOf<typeof Greet> {
        return { greeting: String(this.clock.now()) };
      }
    }
    const app = new Switchyard({ logger: testLogger() });
    assert.throws(
      () => app.register(Greet, NeedsClock),
      (error: unknown) => {
        assert.ok(error instanceof SetupError && error.code === SetupErrorCode.HANDLER_RESOLUTION, String(error));
        for (const phrase of ['NeedsClock', 'parameter #0', '@inject(token)']) assert.ok(error.message.includes(phrase), `"${phrase}" missing from: ${error.message}`);
        return true;
      },
    );
  });

  it('refuses a second handler for the same command at registration', () => {
    const app = new Switchyard({ logger: testLogger() });
    app.container.registerSingleton(Greeter);
    app.register(Greet, GreetHandler);
    assert.throws(
      () => app.register(Greet, ({ name }) => ({ greeting: name })),
      (error: unknown) => error instanceof SetupError && error.code === SetupErrorCode.DUPLICATE_HANDLER && error.message.includes('"greet"'),
    );
  });

  it('registers nothing globally: two applications keep separate publishers', () => {
    const first = new Switchyard({ logger: testLogger() });
    const second = new Switchyard({ logger: testLogger() });
    assert.notEqual(first.container.resolve(EventPublisher), second.container.resolve(EventPublisher));
    assert.equal(first.container.resolve(EventPublisher), first.publisher);
  });
});
