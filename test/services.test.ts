/**
 * An application's own services live in the container, registered before the
 * handlers that take them: as a singleton, an instance, or a factory. Two
 * handlers then share one instance. A handler that takes a class nobody
 * registered is refused at registration, naming both classes (regression:
 * each handler silently got a CartService of its own, and a cart read right
 * after an add was empty).
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from 'pino';
import { inject, injectable, instanceCachingFactory, type InjectionToken } from 'tsyringe';
import { z } from 'zod';
import { EventPublisher, Presence, SetupError, SetupErrorCode, Switchyard, Tokens, defineCommand, typed, type CommandHandler, type PayloadOf, type ResultOf } from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';
import { within } from './support/socket-harness.js';
import { testLogger } from './support/harness.js';

const CartAdd = defineCommand('cart.add', { payload: z.object({ item: z.string() }), result: typed<string[]>() });
const CartList = defineCommand('cart.list', { payload: typed<unknown>(), result: typed<string[]>() });

let built = 0;

@injectable()
class CartService {
  readonly items: string[] = [];
  constructor() {
    built += 1;
  }
}

@injectable()
class CartAddHandler implements CommandHandler<typeof CartAdd> {
  constructor(private readonly carts: CartService) {}
  execute({ item }: PayloadOf<typeof CartAdd>): ResultOf<typeof CartAdd> {
    this.carts.items.push(item);
    return [...this.carts.items];
  }
}

@injectable()
class CartListHandler implements CommandHandler<typeof CartList> {
  constructor(private readonly carts: CartService) {}
  execute(): ResultOf<typeof CartList> {
    return [...this.carts.items];
  }
}

/** Registers the two cart handlers, serves them in memory, adds an item and lists the cart. */
async function addThenList(app: Switchyard): Promise<string[]> {
  app.register(CartAdd, CartAddHandler).register(CartList, CartListHandler);
  const client = (await app.listen(new MemoryTransport())).connect();
  try {
    await within(client.request(CartAdd, { item: 'tea' }), 2000, 'the reply to cart.add');
    return await within(client.request(CartList, null), 2000, 'the reply to cart.list');
  } finally {
    await app.close();
  }
}

describe('services in the container', () => {
  it('refuses a handler that takes an unregistered class, naming both classes and the fix', () => {
    const app = new Switchyard({ logger: testLogger() });
    assert.throws(
      () => app.register(CartAdd, CartAddHandler),
      (error: unknown) => {
        assert.ok(error instanceof SetupError && error.code === SetupErrorCode.HANDLER_RESOLUTION, String(error));
        for (const phrase of ['CartAddHandler', '"cart.add"', 'CartService', 'app.container.registerSingleton(CartService)', 'registerInstance', 'useFactory']) {
          assert.ok(error.message.includes(phrase), `"${phrase}" missing from: ${error.message}`);
        }
        return true;
      },
    );
    assert.equal(app.bus.has(CartAdd.type), false);
  });

  it('shares one instance between handlers when the service is registered as a singleton first', async () => {
    const app = new Switchyard({ logger: testLogger() });
    app.container.registerSingleton(CartService);
    const before = built;
    assert.deepEqual(await addThenList(app), ['tea']);
    assert.equal(built - before, 1, 'one CartService for both handlers');
  });

  it('shares an instance the application built itself (registerInstance)', async () => {
    const app = new Switchyard({ logger: testLogger() });
    const carts = new CartService();
    app.container.registerInstance(CartService, carts);
    assert.deepEqual(await addThenList(app), ['tea']);
    assert.deepEqual(carts.items, ['tea']);
  });

  it('shares what a caching factory makes, built with the container’s own services', async () => {
    const app = new Switchyard({ logger: testLogger() });
    let made = 0;
    let logger: Logger | undefined;
    app.container.register(CartService, {
      useFactory: instanceCachingFactory((container) => {
        made += 1;
        logger = container.resolve(Tokens.Logger);
        return new CartService();
      }),
    });
    assert.deepEqual(await addThenList(app), ['tea']);
    assert.equal(made, 1);
    assert.equal(logger, app.logger);
  });

  it('injects a service by token, for an interface with no class at run time', async () => {
    interface Clock {
      now(): number;
    }
    const CLOCK: InjectionToken<Clock> = Symbol('Clock');
    const Now = defineCommand('clock.now', { payload: typed<unknown>(), result: typed<number>() });
    @injectable()
    class NowHandler implements CommandHandler<typeof Now> {
      constructor(@inject(CLOCK) private readonly clock: Clock) {}
      execute(): number {
        return this.clock.now();
      }
    }
    const app = new Switchyard({ logger: testLogger() });
    app.container.register(CLOCK, { useFactory: () => ({ now: () => 1234 }) });
    app.register(Now, NowHandler);
    const client = (await app.listen(new MemoryTransport())).connect();
    assert.equal(await within(client.request(Now, null), 2000, 'the reply to clock.now'), 1234);
    await app.close();
  });

  it('gives each handler its own instance only when asked to, with a class provider', async () => {
    const app = new Switchyard({ logger: testLogger() });
    app.container.register(CartService, { useClass: CartService });
    assert.deepEqual(await addThenList(app), [], 'each handler has a cart of its own, on purpose');
  });

  it('lets handlers take what the application registers itself: EventPublisher, Presence and the logger', () => {
    const Ping = defineCommand('ping', { payload: typed<unknown>(), result: typed<string>() });
    @injectable()
    class PingHandler implements CommandHandler<typeof Ping> {
      constructor(
        readonly events: EventPublisher,
        readonly presence: Presence,
        @inject(Tokens.Logger) readonly log: Logger,
      ) {}
      execute(): string {
        return 'pong';
      }
    }
    const app = new Switchyard({ logger: testLogger() });
    assert.doesNotThrow(() => app.register(Ping, PingHandler));
  });
});
