import { CommandError, ErrorCode } from '../protocol/errors.js';
import type { BuiltinHandler } from '../commands/builtin-handler.js';
import type { CommandContext } from '../commands/command-context.js';
import type { HandlerFunction } from '../commands/command-handler.js';
import type { TokenVerifier } from '../commands/session.js';
import type { Identity } from '../protocol/identity.js';
import type { ResultOf } from '../protocol/define-command.js';
import { SessionReauth } from '../protocol/session-commands.js';

/**
 * The built-in `session.reauth` every application serves: it verifies the
 * token with the authenticator of the endpoint the connection came in on,
 * so a token one endpoint accepts says nothing on another. On an endpoint
 * that verifies no tokens (its `authenticate` is not a `jwtAuthenticator`)
 * it answers `UNKNOWN_COMMAND`, as if it were not there. Registering a
 * handler for {@link SessionReauth} replaces it.
 *
 * @example
 * bus.registerBuiltin(SessionReauth, sessionReauth); // what `new Switchyard()` does
 */
export const sessionReauth: BuiltinHandler<typeof SessionReauth> = async (payload, ctx, session) => {
  const verify = session.verifyToken;
  if (verify === undefined) throw new CommandError(ErrorCode.UNKNOWN_COMMAND, `unknown command type "${SessionReauth.type}": this endpoint verifies no tokens`);
  return reauthenticate(payload, ctx, verify);
};

/**
 * A handler of {@link SessionReauth} bound to one authenticator, for an
 * application that registers its own (every endpoint then checks tokens
 * against that one authenticator). Without it, the built-in
 * `session.reauth` uses each connection's own endpoint.
 *
 * @example
 * app.register(SessionReauth, reauthHandler(jwtAuthenticator({ secret })));
 */
export function reauthHandler(authenticator: { readonly verifyToken: TokenVerifier }): HandlerFunction<typeof SessionReauth> {
  const verify = authenticator.verifyToken;
  if (typeof verify !== 'function') throw new TypeError('reauthHandler needs an authenticator with a "verifyToken" function');
  return (payload, ctx) => reauthenticate(payload, ctx, verify);
}

async function reauthenticate(payload: unknown, ctx: CommandContext, verify: TokenVerifier): Promise<ResultOf<typeof SessionReauth>> {
  const token = (payload as { token?: unknown } | null)?.token;
  if (typeof token !== 'string' || token.length === 0) throw new CommandError(ErrorCode.INVALID_PAYLOAD, 'token: expected a non-empty string', [{ path: 'token', message: 'expected a non-empty string' }]);
  let user: Identity;
  try {
    user = await verify(token);
  } catch {
    // Why verification failed is for the server log at most; the client learns only that it did.
    throw new CommandError(ErrorCode.UNAUTHORIZED, 'invalid token');
  }
  if (ctx.user !== undefined && ctx.user.id !== user.id) throw new CommandError(ErrorCode.FORBIDDEN, 'the token is for another user');
  await ctx.identify(user);
  return { user, expiresAt: typeof user['exp'] === 'number' ? user['exp'] : null };
}
