import 'reflect-metadata';
import type { DependencyContainer } from 'tsyringe';
import type { AnyCommand } from '../protocol/define-command.js';
import type { CommandHandler, HandlerClass } from './command-handler.js';
import { SetupError, SetupErrorCode } from '../protocol/errors.js';

// tsyringe's metadata key for @inject() tokens, per parameter index.
const INJECTION_TOKENS = 'injectionTokens';

/**
 * Builds a handler class through the container, once. Fails loudly, naming the
 * class, when it cannot: esbuild-based runners drop decorator metadata, and
 * tsyringe would then build the class with `undefined` dependencies.
 */
export function resolveHandler<C extends AnyCommand>(container: DependencyContainer, handler: HandlerClass<C>, type: string): CommandHandler<C> {
  if (handler.length > 0 && !container.isRegistered(handler, true) && !hasParameterTypes(handler)) {
    throw new SetupError(
      SetupErrorCode.HANDLER_RESOLUTION,
      `cannot build handler ${handler.name} for "${type}": its constructor takes ${handler.length} parameter(s) but carries no decorator metadata. ` +
        'Mark it @injectable() and compile with emitDecoratorMetadata (tsc does; esbuild-based runners do not), or @inject() every parameter.',
    );
  }
  try {
    return container.resolve(handler);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new SetupError(SetupErrorCode.HANDLER_RESOLUTION, `cannot build handler ${handler.name} for "${type}": ${reason}`, { cause });
  }
}

function hasParameterTypes(target: object): boolean {
  const types = Reflect.getMetadata('design:paramtypes', target) as unknown[] | undefined;
  if (types !== undefined) return true;
  const tokens = (Reflect.getOwnMetadata(INJECTION_TOKENS, target) ?? {}) as Record<string, unknown>;
  return Object.keys(tokens).length >= (target as { length: number }).length;
}
