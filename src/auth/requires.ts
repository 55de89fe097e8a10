import type { AnyCommand } from '../protocol/define-command.js';
import { CommandError, ErrorCode } from '../protocol/errors.js';
import type { Identity } from '../protocol/identity.js';
import type { Middleware, MiddlewareContext } from '../commands/middleware.js';

/** Decides whether an authenticated identity may run a command. */
export type AuthorizationPredicate = (user: Identity, ctx: MiddlewareContext) => boolean | Promise<boolean>;

/** Which commands a {@link requires} rule guards. */
export interface RequiresOptions {
  /** The guarded commands. @default every command */
  readonly commands?: readonly AnyCommand[];
}

/**
 * Authorization as middleware. An anonymous sender gets `UNAUTHORIZED`; an
 * authenticated one without any of the roles, or failing the predicate,
 * gets `FORBIDDEN`. The identity is read per command, so a refreshed token's
 * roles count from the next command on.
 *
 * @example
 * app.use(requires('admin', { commands: [RoomKick, RoomClose] }));
 * app.use(requires(['editor', 'admin'], { commands: [DocEdit] }));
 * app.use(requires((user, ctx) => user.id === (ctx.payload as { owner: string }).owner, { commands: [CartClear] }));
 */
export function requires(rule: string | readonly string[] | AuthorizationPredicate, options: RequiresOptions = {}): Middleware {
  const allows = toPredicate(rule);
  const types = options.commands === undefined ? undefined : new Set(options.commands.map((command) => command.type));
  if (types?.size === 0) throw new TypeError('"commands" must name at least one command');
  return async (ctx, next) => {
    if (types !== undefined && !types.has(ctx.type)) return next();
    const user = ctx.user;
    if (user === undefined) throw new CommandError(ErrorCode.UNAUTHORIZED, 'sign in first');
    if (!(await allows(user, ctx))) throw new CommandError(ErrorCode.FORBIDDEN, `not allowed to run "${ctx.type}"`);
    return next();
  };
}

function toPredicate(rule: string | readonly string[] | AuthorizationPredicate): AuthorizationPredicate {
  if (typeof rule === 'function') return rule;
  const wanted = typeof rule === 'string' ? [rule] : [...rule];
  if (wanted.length === 0 || wanted.some((role) => typeof role !== 'string' || role.length === 0)) throw new TypeError('roles must be non-empty strings');
  return (user) => wanted.some((role) => user.roles?.includes(role) === true);
}
