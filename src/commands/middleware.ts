import type { AnyCommand } from '../protocol/define-command.js';
import type { CommandContext } from './command-context.js';

/**
 * What middleware sees: the handler's context plus the command and its
 * payload, both read-only. The payload is the validated one, except in a
 * layer marked `runsBeforeValidation`, which sees it as the client sent it.
 */
export interface MiddlewareContext extends CommandContext {
  readonly command: AnyCommand;
  readonly payload: unknown;
}

/**
 * One layer of the onion around every handler. Call `next()` once to go on
 * (it resolves with the handler's result), throw a `CommandError` to answer
 * with an error instead, or return without calling it to answer with your
 * own result. A second `next()` from the same layer rejects, and the command
 * answers `INTERNAL`: the handler runs at most once.
 *
 * Layers run in two phases: those marked `runsBeforeValidation: true` first,
 * around payload validation, then the others, around the handler; in each
 * phase, the first added is the outermost.
 *
 * @example
 * const requireUser: Middleware = async (ctx, next) => {
 *   if (ctx.user === undefined) throw new CommandError(ErrorCode.UNAUTHORIZED, 'sign in first');
 *   return next();
 * };
 * // Refuse before the schema runs, so a refused caller learns nothing of it:
 * app.use(Object.assign(requireUser, { runsBeforeValidation: true } as const));
 */
export interface Middleware {
  (ctx: MiddlewareContext, next: () => Promise<unknown>): Promise<unknown>;
  /**
   * Run before the payload is validated, on the payload as the client sent
   * it (untrusted: check before use). For checks that must not depend on
   * the payload, such as authorization: a refusal there costs no validation
   * and reveals nothing of the schema.
   * @default false
   */
  readonly runsBeforeValidation?: boolean;
}
