import type { AnyCommand, PayloadOf, ResultOf } from '../protocol/define-command.js';
import type { CommandContext } from './command-context.js';
import type { Session } from './session.js';

/**
 * The handler of a built-in command (the application's `session.*`
 * commands). Unlike a user's handler it also gets the {@link Session} it
 * acts on, because a built-in works on the connection itself: with the
 * verifier of the endpoint it came in on, say. A user's handler registered
 * for the same type takes its place.
 *
 * @example
 * bus.registerBuiltin(SessionReauth, async ({ token }, ctx, session) => {
 *   const user = await session.verifyToken!(token);
 *   await ctx.identify(user);
 *   return { user, expiresAt: null };
 * });
 */
export type BuiltinHandler<C extends AnyCommand> = (payload: PayloadOf<C>, ctx: CommandContext, session: Session) => ResultOf<C> | Promise<ResultOf<C>>;
