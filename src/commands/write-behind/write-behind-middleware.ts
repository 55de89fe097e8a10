import type { AnyCommand } from '../../protocol/define-command.js';
import type { Middleware, MiddlewareContext } from '../middleware.js';

/** Options of {@link WriteBehind.middleware}. */
export interface WriteBehindMiddlewareOptions {
  /**
   * The key (or keys) a successful command changed, from its context (the
   * validated payload, the user) and its result; `undefined` marks nothing.
   * Required.
   */
  keyOf: (ctx: MiddlewareContext, result: unknown) => string | readonly string[] | undefined;
  /** Commands that change nothing worth saving (reads, pings): never marked. @default [] */
  except?: readonly AnyCommand[];
}

/**
 * A middleware layer that calls `mark` with the key(s) of every command
 * that succeeded, except the commands in `except`. A command that fails
 * (an error, a timeout) marks nothing.
 *
 * @example
 * app.use(writeBehindMiddleware((key) => saves.mark(key), { keyOf: (ctx) => roomOf(ctx.payload), except: [RoomStats] }));
 */
export function writeBehindMiddleware(mark: (key: string) => void, options: WriteBehindMiddlewareOptions): Middleware {
  if (typeof options !== 'object' || options === null || typeof options.keyOf !== 'function') throw new TypeError('"keyOf" must be a function');
  const except = options.except ?? [];
  if (!Array.isArray(except) || !except.every((command) => typeof command === 'object' && command !== null && typeof command.type === 'string')) {
    throw new TypeError('"except" must be an array of command definitions (defineCommand)');
  }
  const ignored = new Set(except.map((command) => command.type));
  const keyOf = options.keyOf;
  return async (ctx, next) => {
    const result = await next();
    if (ignored.has(ctx.command.type)) return result;
    const keys = keyOf(ctx, result);
    if (typeof keys === 'string') mark(keys);
    else if (keys !== undefined) for (const key of keys) mark(key);
    return result;
  };
}
