import type { AnyCommand } from '../protocol/define-command.js';
import { CommandError, ErrorCode } from '../protocol/errors.js';
import type { Identity } from '../protocol/identity.js';
import type { Middleware, MiddlewareContext } from '../commands/middleware.js';

/** Decides whether an authenticated identity may run a command; `ctx.payload` is the validated payload. */
export type AuthorizationPredicate = (user: Identity, ctx: MiddlewareContext) => boolean | Promise<boolean>;

/** Which commands a {@link requires} rule guards. */
export interface RequiresOptions {
  /** The guarded commands. @default every command */
  readonly commands?: readonly AnyCommand[];
}

/**
 * Authorization as middleware, decided before the payload is validated, so
 * a caller who may not run a command learns nothing of its schema and costs
 * no validation. An anonymous sender gets `UNAUTHORIZED`; an authenticated
 * one without any of the roles, or failing the predicate, gets `FORBIDDEN`.
 *
 * With roles, the whole check runs before validation. With a predicate, the
 * sign-in check runs before validation and the predicate after it, because a
 * predicate may read the payload and must see the validated one. So it
 * returns the layers to pass to `app.use()`: one, or two with a predicate.
 * The identity is read per command, so a refreshed token's roles count from
 * the next command on.
 *
 * @example
 * app.use(requires('admin', { commands: [RoomKick, RoomClose] }));
 * app.use(requires(['editor', 'admin'], { commands: [DocEdit] }));
 * app.use(requires((user, ctx) => user.id === (ctx.payload as { owner: string }).owner, { commands: [CartClear] }));
 */
export function requires(rule: string | readonly string[] | AuthorizationPredicate, options: RequiresOptions = {}): readonly Middleware[] {
  const types = options.commands === undefined ? undefined : new Set(options.commands.map((command) => command.type));
  if (types?.size === 0) throw new TypeError('"commands" must name at least one command');
  const guards = (ctx: MiddlewareContext): boolean => types === undefined || types.has(ctx.type);
  if (typeof rule === 'function') {
    const decide: Middleware = async (ctx, next) => {
      if (guards(ctx) && !(await rule(signedIn(ctx), ctx))) throw forbidden(ctx);
      return next();
    };
    const requireSignIn = beforeValidation(async (ctx, next) => {
      if (guards(ctx)) signedIn(ctx);
      return next();
    });
    return Object.freeze([requireSignIn, decide]);
  }
  const roles = toRoles(rule);
  return Object.freeze([
    beforeValidation(async (ctx, next) => {
      if (guards(ctx) && !roles.some((role) => signedIn(ctx).roles?.includes(role) === true)) throw forbidden(ctx);
      return next();
    }),
  ]);
}

function beforeValidation(layer: Middleware): Middleware {
  return Object.assign(layer, { runsBeforeValidation: true } as const);
}

function signedIn(ctx: MiddlewareContext): Identity {
  const user = ctx.user;
  if (user === undefined) throw new CommandError(ErrorCode.UNAUTHORIZED, 'sign in first');
  return user;
}

function forbidden(ctx: MiddlewareContext): CommandError {
  return new CommandError(ErrorCode.FORBIDDEN, `not allowed to run "${ctx.type}"`);
}

function toRoles(rule: string | readonly string[]): readonly string[] {
  const wanted = typeof rule === 'string' ? [rule] : [...rule];
  if (wanted.length === 0 || wanted.some((role) => typeof role !== 'string' || role.length === 0)) throw new TypeError('roles must be non-empty strings');
  return wanted;
}
