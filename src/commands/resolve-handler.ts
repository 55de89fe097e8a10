import 'reflect-metadata';
import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { AnyCommand } from '../protocol/define-command.js';
import type { CommandHandler, HandlerClass } from './command-handler.js';
import { SetupError, SetupErrorCode } from '../protocol/errors.js';

// tsyringe's metadata key for @inject() tokens, per parameter index.
const INJECTION_TOKENS = 'injectionTokens';

// What design:paramtypes records for a parameter typed as an interface, a type alias, a union or a primitive.
const NO_RUNTIME_TYPE: ReadonlySet<unknown> = new Set([Object, String, Number, Boolean, Symbol, BigInt, Array, Function, Promise]);

const TYPE_INFO_HINT =
  'tsyringe knows nothing of this constructor. Mark the class @injectable(), imported from the same tsyringe the application uses. ' +
  'If it is marked, two copies of tsyringe are installed (run `npm ls tsyringe`; tsyringe is a peer dependency of switchyard: install it once, in the application). ' +
  'A constructor parameter typed as an interface or a type alias has no class at run time: give it a token with @inject(token) and register the token.';

/**
 * Builds a handler class through the container, once. Fails loudly, naming
 * the class, when it cannot, or when it would be built wrong:
 * - no decorator metadata (esbuild-based runners drop it): tsyringe would
 *   build the class with `undefined` dependencies;
 * - a parameter with no class at run time (an interface) and no `@inject()`;
 * - a parameter whose class is not registered in the container: tsyringe
 *   would build a fresh one for each handler that takes it, so two handlers
 *   would never share it (an empty cart right after an add). Register the
 *   service first.
 *
 * @example
 * app.container.registerSingleton(CartService);
 * const handler = resolveHandler(app.container, CartAddHandler, 'cart.add');
 */
export function resolveHandler<C extends AnyCommand>(container: DependencyContainer, handler: HandlerClass<C>, type: string): CommandHandler<C> {
  const what = `cannot build handler ${handler.name} for "${type}"`;
  // A handler the application registered itself is built its way (a factory, another class): its constructor is not ours to check.
  if (!container.isRegistered(handler, true)) checkConstructor(container, handler, what);
  try {
    return container.resolve(handler);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const hint = reason.includes('TypeInfo not known') ? ` ${TYPE_INFO_HINT}` : '';
    throw new SetupError(SetupErrorCode.HANDLER_RESOLUTION, `${what}: ${reason}${hint}`, { cause });
  }
}

function checkConstructor(container: DependencyContainer, handler: HandlerClass<AnyCommand>, what: string): void {
  const types = Reflect.getMetadata('design:paramtypes', handler) as unknown[] | undefined;
  const injected = (Reflect.getOwnMetadata(INJECTION_TOKENS, handler) ?? {}) as Record<string, unknown>;
  if (handler.length > 0 && types === undefined && Object.keys(injected).length < handler.length) {
    throw new SetupError(
      SetupErrorCode.HANDLER_RESOLUTION,
      `${what}: its constructor takes ${handler.length} parameter(s) but carries no decorator metadata. ` +
        'Mark it @injectable() and compile with emitDecoratorMetadata (tsc does; esbuild-based runners do not), or @inject() every parameter.',
    );
  }
  const count = Math.max(types?.length ?? 0, ...Object.keys(injected).map((index) => Number(index) + 1));
  for (let index = 0; index < count; index++) {
    const token = index in injected ? tokenOf(injected[index]) : types?.[index];
    if (token === undefined) continue;
    if (NO_RUNTIME_TYPE.has(token)) {
      throw new SetupError(
        SetupErrorCode.HANDLER_RESOLUTION,
        `${what}: parameter #${index} of its constructor has no class at run time (an interface, a type alias, a union or a primitive; metadata records ${(token as { name: string }).name}). ` +
          'Give it a token with @inject(token), and register the token: app.container.register(TOKEN, { useValue }) or { useFactory }.',
      );
    }
    if (typeof token === 'function' && !container.isRegistered(token as InjectionToken, true)) {
      const service = (token as { name: string }).name || '(anonymous class)';
      throw new SetupError(
        SetupErrorCode.HANDLER_RESOLUTION,
        `${what}: its constructor takes ${service} (parameter #${index}), which is not registered in the container, ` +
          `so every handler that takes it would get an instance of its own. Register it before the handlers that use it: ` +
          `app.container.registerSingleton(${service}) for one shared instance, app.container.registerInstance(${service}, new ${service}(...)) for one you build, ` +
          `or app.container.register(${service}, { useFactory: instanceCachingFactory((c) => ...) }). ` +
          `If each handler should have its own, say so: app.container.register(${service}, { useClass: ${service} }).`,
      );
    }
  }
}

/**
 * The token of an `@inject()`-family parameter, or `undefined` when the
 * parameter may be missing or collects several (`isOptional`, `@injectAll`),
 * or is built lazily (`delay()`): those need no registration before the handler.
 */
function tokenOf(descriptor: unknown): unknown {
  if (typeof descriptor !== 'object' || descriptor === null || !('token' in descriptor)) return descriptor;
  const { token, multiple, isOptional } = descriptor as { token: unknown; multiple?: boolean; isOptional?: boolean };
  if (multiple === true || isOptional === true) return undefined;
  return token;
}
