import type { Logger } from 'pino';
import type { DependencyContainer } from 'tsyringe';
import type { EventPublisher } from '../events/event-publisher.js';
import type { AnyCommand, PayloadOf } from '../protocol/define-command.js';
import type { BuiltinHandler } from './builtin-handler.js';
import type { Handler, HandlerClass, HandlerFunction } from './command-handler.js';
import { CommandError, ErrorCode, SetupError, SetupErrorCode } from '../protocol/errors.js';
import { abortInvocation, enterHandler, Invocation, reachedHandler, setPayload } from './invocation.js';
import type { Middleware, MiddlewareContext } from './middleware.js';
import type { Reply } from '../protocol/frames.js';
import type { InboundCommand } from './inbound-command.js';
import type { Session } from './session.js';
import { noTelemetry } from '../observability/no-telemetry.js';
import type { CommandProbe, Telemetry } from '../observability/telemetry.js';
import { isHandlerClass } from './is-handler-class.js';
import { resolveHandler } from './resolve-handler.js';
import { validatePayload } from './validate-payload.js';

/** What the bus needs to run. */
export interface CommandBusDeps {
  readonly container: DependencyContainer;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  /** Milliseconds a handler may run before the command fails with `TIMEOUT`. */
  readonly timeoutMs: number;
  /** Told of every command's start and outcome (metrics, traces). @default noTelemetry */
  readonly telemetry?: Telemetry;
}

interface Route {
  readonly command: AnyCommand;
  readonly run: (payload: unknown, ctx: MiddlewareContext) => unknown;
}

interface Builtin {
  readonly command: AnyCommand;
  readonly handler: BuiltinHandler<AnyCommand>;
  /** Whether the built-in serves this session; where it does not, the command is unknown there. */
  readonly serves: ((session: Session) => boolean) | undefined;
}

/**
 * Turns decoded commands into exactly one reply each: looks the handler up in
 * a `Map` by type, runs the middleware onion (the layers marked
 * `runsBeforeValidation`, payload validation, the other layers, the handler)
 * under a timeout, and maps every outcome to a result or a coded error.
 *
 * @example
 * bus.register(Echo, (payload) => payload);
 * const reply = await bus.dispatch({ type: 'echo', id: '1', payload: 'hi', session });
 */
export class CommandBus {
  readonly #routes = new Map<string, Route>();
  // Replaced, never mutated, so a command in flight keeps the layers it started with.
  #beforeValidation: readonly Middleware[] = [];
  #afterValidation: readonly Middleware[] = [];
  // Looked up only when no user route matches, so a user's registration overrides a built-in.
  readonly #builtins = new Map<string, Builtin>();
  readonly #deps: CommandBusDeps;
  readonly #telemetry: Telemetry;

  constructor(deps: CommandBusDeps) {
    this.#deps = deps;
    this.#telemetry = deps.telemetry ?? noTelemetry;
  }

  /**
   * Registers the one handler of a command. A class is built now by the
   * container, so a missing dependency fails at start-up with the class name.
   * A second handler for the same type is a `DUPLICATE_HANDLER` error.
   */
  register<C extends AnyCommand>(command: C, handler: Handler<C>): this {
    if (this.#routes.has(command.type)) {
      throw new SetupError(SetupErrorCode.DUPLICATE_HANDLER, `a handler for command "${command.type}" is already registered`);
    }
    this.#routes.set(command.type, { command, run: this.#runnerFor(command, handler) });
    return this;
  }

  /**
   * Registers a built-in command, served only while no handler is
   * registered for its type: `register()` for the same command replaces it,
   * before or after the application starts. The application registers its
   * `session.*` commands this way. A second built-in for one type is a
   * `DUPLICATE_HANDLER` error. `servesSession` limits it to some sessions:
   * on the others the command is `UNKNOWN_COMMAND`, as if it were not there
   * (an endpoint that verifies no tokens has no `session.reauth`).
   *
   * @example
   * bus.registerBuiltin(SessionReauth, sessionReauth, { servesSession: (session) => session.verifyToken !== undefined });
   */
  registerBuiltin<C extends AnyCommand>(command: C, handler: BuiltinHandler<C>, options: { readonly servesSession?: (session: Session) => boolean } = {}): this {
    if (this.#builtins.has(command.type)) {
      throw new SetupError(SetupErrorCode.DUPLICATE_HANDLER, `a built-in handler for command "${command.type}" is already registered`);
    }
    if (typeof handler !== 'function') throw new TypeError(`the built-in handler of "${command.type}" must be a function`);
    this.#builtins.set(command.type, { command, handler: handler as BuiltinHandler<AnyCommand>, serves: options.servesSession });
    return this;
  }

  /**
   * Adds middleware layers: one, or several at once (as `requires()` returns).
   * Those marked `runsBeforeValidation` run before the payload is validated;
   * within each phase, the first added is the outermost.
   */
  use(middleware: Middleware | readonly Middleware[]): this {
    const layers: readonly Middleware[] = Array.isArray(middleware) ? middleware : [middleware as Middleware];
    for (const layer of layers) {
      if (typeof layer !== 'function') throw new TypeError('middleware must be a function');
      const early = layer.runsBeforeValidation;
      if (early !== undefined && typeof early !== 'boolean') throw new TypeError('"runsBeforeValidation" must be a boolean');
    }
    for (const layer of layers) {
      if (layer.runsBeforeValidation === true) this.#beforeValidation = [...this.#beforeValidation, layer];
      else this.#afterValidation = [...this.#afterValidation, layer];
    }
    return this;
  }

  /** Whether a handler is registered for `type`. */
  has(type: string): boolean {
    return this.#routes.has(type);
  }

  /**
   * The definitions of the commands the bus serves: the registered ones, in
   * the order they were registered, then the built-ins no registration replaced.
   *
   * @example
   * const types = bus.commands().map((command) => command.type);
   */
  commands(): AnyCommand[] {
    const builtins = [...this.#builtins.values()].filter(({ command }) => !this.#routes.has(command.type));
    return [...[...this.#routes.values()].map((route) => route.command), ...builtins.map((builtin) => builtin.command)];
  }

  /**
   * Runs one command. Resolves with its reply, or `undefined` when nothing is
   * owed: a fire-and-forget command whose handler ran. Never rejects.
   */
  async dispatch(inbound: InboundCommand): Promise<Reply | undefined> {
    return this.execute(inbound);
  }

  /**
   * Runs one command as {@link dispatch} does, but returns the reply itself
   * when the command finished synchronously (a synchronous schema, no
   * middleware, a handler that returned a value), and a promise of it only
   * when something in it was asynchronous: the common command costs no
   * promise and no turn of the microtask queue. Never throws, never rejects.
   *
   * @example
   * const outcome = bus.execute(inbound);
   * if (outcome instanceof Promise) outcome.then(send);
   * else send(outcome);
   */
  execute(inbound: InboundCommand): Reply | undefined | Promise<Reply | undefined> {
    const route = this.#routes.get(inbound.type) ?? this.#builtinRoute(inbound);
    // Undefined unless metrics or tracing are on: then the rest of this path is what it is without them.
    const probe = this.#telemetry.commandStarted(route === undefined ? undefined : inbound.type, inbound);
    if (route === undefined) {
      probe?.end(ErrorCode.UNKNOWN_COMMAND, 0);
      return errorReply(inbound.id, new CommandError(ErrorCode.UNKNOWN_COMMAND, `unknown command type "${inbound.type}"`));
    }
    const ctx = new Invocation(route.command, inbound, this.#deps.publisher, this.#deps.logger, probe);
    const started = probe !== undefined || this.#deps.logger.isLevelEnabled('debug') ? performance.now() : undefined;
    let outcome: unknown;
    try {
      outcome = probe?.run === undefined ? this.#run(route, ctx) : this.#runIn(probe, route, ctx);
      // A handler that finished synchronously cannot outlive the timeout: only a pending one needs the timer.
      if (!isThenable(outcome)) return this.#succeeded(ctx, probe, started, outcome);
    } catch (error) {
      return this.#fail(ctx, error, probe, started);
    }
    return this.#settle(outcome, ctx, probe, started);
  }

  /** The reply of a command that is still running: its result once it settles, a `TIMEOUT` if it does not in time. */
  async #settle(outcome: PromiseLike<unknown>, ctx: Invocation, probe: CommandProbe | undefined, started: number | undefined): Promise<Reply | undefined> {
    try {
      return this.#succeeded(ctx, probe, started, await this.#withTimeout(Promise.resolve(outcome), ctx));
    } catch (error) {
      return this.#fail(ctx, error, probe, started);
    }
  }

  #succeeded(ctx: Invocation, probe: CommandProbe | undefined, started: number | undefined, result: unknown): Reply | undefined {
    if (started !== undefined) this.#settled(ctx, probe, started, 'result', undefined);
    const id = ctx.commandId;
    return id === undefined ? undefined : { kind: 'result', id, payload: result };
  }

  /** Runs the command inside the probe's context (its span active). */
  #runIn(probe: CommandProbe, route: Route, ctx: Invocation): unknown {
    return (probe.run as NonNullable<CommandProbe['run']>)(CommandBus.#runOn, this, route, ctx);
  }

  // Static, so that a probe can call it with the bus as an argument: passing a `this` would bind a function per command.
  static #runOn(bus: CommandBus, route: Route, ctx: Invocation): unknown {
    return bus.#run(route, ctx);
  }

  /** Without middleware, validates and runs the handler, synchronously as long as the schema and the handler are. */
  #run(route: Route, ctx: Invocation): unknown {
    if (this.#beforeValidation.length === 0 && this.#afterValidation.length === 0) return validateThen(route, ctx, handle);
    return this.#onion(route, ctx);
  }

  /**
   * The layers before validation, validation, the layers after it, then the
   * handler, as one chain of steps. Like koa-compose, a step is entered at
   * most once: a second `next()` from a layer rejects instead of running the
   * rest of the chain (and the handler) again.
   */
  #onion(route: Route, ctx: Invocation): Promise<unknown> {
    const early = this.#beforeValidation;
    const late = this.#afterValidation;
    const validation = early.length;
    const handler = validation + 1 + late.length;
    let entered = -1;
    const step = async (index: number): Promise<unknown> => {
      if (index <= entered) throw new Error(`a middleware of "${ctx.type}" called next() more than once`);
      entered = index;
      const next = (): Promise<unknown> => step(index + 1);
      if (index < validation) return (early[index] as Middleware)(ctx, next);
      if (index === validation) return validateThen(route, ctx, next);
      if (index < handler) return (late[index - validation - 1] as Middleware)(ctx, next);
      return handle(route, ctx);
    };
    return step(0);
  }

  #builtinRoute(inbound: InboundCommand): Route | undefined {
    const builtin = this.#builtins.get(inbound.type);
    if (builtin === undefined || builtin.serves?.(inbound.session) === false) return undefined;
    // Built-ins are rare (a token refresh now and then), so a route per call costs nothing and lets them see the session.
    return { command: builtin.command, run: (payload, ctx) => builtin.handler(payload, ctx, inbound.session) };
  }

  #withTimeout(work: Promise<unknown>, ctx: Invocation): Promise<unknown> {
    const { timeoutMs } = this.#deps;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new CommandError(ErrorCode.TIMEOUT, `command "${ctx.type}" did not finish within ${timeoutMs} ms`);
        abortInvocation(ctx, error);
        reject(error);
      }, timeoutMs);
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  #fail(ctx: Invocation, error: unknown, probe: CommandProbe | undefined, started: number | undefined): Reply | undefined {
    const known = error instanceof CommandError;
    if (!known) {
      ctx.log.error({ err: error }, `command "${ctx.type}" failed`);
    } else if (error.code === ErrorCode.TIMEOUT) {
      ctx.log.warn(error.message);
    }
    if (started !== undefined) this.#settled(ctx, probe, started, known ? error.code : ErrorCode.INTERNAL, known ? undefined : error);
    // Without an id, only errors that kept the command from its handler are owed.
    if (ctx.commandId === undefined && reachedHandler(ctx)) return undefined;
    const reported = known ? error : new CommandError(ErrorCode.INTERNAL, 'internal error');
    return errorReply(ctx.commandId, reported);
  }

  /** Tells telemetry the outcome, and writes the one debug line per command. */
  #settled(ctx: Invocation, probe: CommandProbe | undefined, started: number, outcome: string, error: unknown): void {
    const elapsed = performance.now() - started;
    probe?.end(outcome, elapsed, error);
    if (!this.#deps.logger.isLevelEnabled('debug')) return;
    const durationMs = Math.round(elapsed * 1000) / 1000;
    const line = { type: ctx.type, commandId: ctx.commandId, connectionId: ctx.connectionId, durationMs, outcome };
    const fields = probe?.logFields;
    this.#deps.logger.debug(fields === undefined ? line : { ...line, ...fields }, 'command');
  }

  #runnerFor<C extends AnyCommand>(command: C, handler: Handler<C>): Route['run'] {
    if (typeof handler !== 'function') {
      throw new SetupError(SetupErrorCode.INVALID_HANDLER, `the handler of "${command.type}" must be a function or a class with an execute method, not ${describeValue(handler)}`);
    }
    if (!isHandlerClass(handler)) return handler as HandlerFunction<AnyCommand>;
    if (typeof (handler.prototype as { execute?: unknown }).execute !== 'function') {
      throw new SetupError(
        SetupErrorCode.INVALID_HANDLER,
        `handler class ${handler.name || '(anonymous)'} of "${command.type}" has no execute method. Declare it as a method, \`async execute(payload, ctx) { ... }\`: ` +
          'an execute written as a class field (`execute = async () => ...`) exists only on instances, and a class without one cannot handle a command.',
      );
    }
    const instance = resolveHandler(this.#deps.container, handler as HandlerClass<C>, command.type);
    return (payload, ctx) => instance.execute(payload as PayloadOf<C>, ctx);
  }
}

/** Validates the payload, if the command has a schema, then goes on; synchronous with a synchronous schema. */
function validateThen(route: Route, ctx: Invocation, then: (route: Route, ctx: Invocation) => unknown): unknown {
  const schema = route.command.schema;
  if (schema === undefined) return then(route, ctx);
  const validated = validatePayload(schema, ctx.payload);
  if (validated instanceof Promise) {
    return validated.then((payload: unknown) => {
      setPayload(ctx, payload);
      return then(route, ctx);
    });
  }
  setPayload(ctx, validated);
  return then(route, ctx);
}

function handle(route: Route, ctx: Invocation): unknown {
  enterHandler(ctx);
  return route.run(ctx.payload, ctx);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value === 'undefined' ? '' : 'a '}${typeof value}`;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function errorReply(id: string | undefined, error: CommandError): Reply {
  return { kind: 'error', id, error: { code: error.code, message: error.message, details: error.details } };
}
