import type { AnyCommand } from '../protocol/define-command.js';
import type { CommandContext } from './command-context.js';

/** What middleware sees: the handler's context plus the command and its validated payload. */
export interface MiddlewareContext extends CommandContext {
  readonly command: AnyCommand;
  readonly payload: unknown;
}

/**
 * One layer of the onion around every handler. Call `next()` to go on (it
 * resolves with the handler's result), throw a `CommandError` to answer with
 * an error instead, or return without calling it to answer with your own result.
 *
 * @example
 * const requireUser: Middleware = async (ctx, next) => {
 *   if (ctx.user === undefined) throw new CommandError(ErrorCode.UNAUTHORIZED, 'sign in first');
 *   return next();
 * };
 */
export type Middleware = (ctx: MiddlewareContext, next: () => Promise<unknown>) => Promise<unknown>;
