import { CommandError, ErrorCode } from '../protocol/errors.js';
import type { HandlerFunction } from '../commands/command-handler.js';
import type { Identity } from '../protocol/identity.js';
import type { JwtAuthenticator } from './jwt-authenticator.js';
import { SessionReauth } from '../protocol/session-commands.js';

/**
 * The handler of {@link SessionReauth} for an authenticator. The WebSocket
 * transport registers it on its own when its `authenticate` is a {@link JwtAuthenticator}.
 *
 * @example
 * app.register(SessionReauth, reauthHandler(jwtAuthenticator({ secret })));
 */
export function reauthHandler(authenticator: JwtAuthenticator): HandlerFunction<typeof SessionReauth> {
  return async (payload, ctx) => {
    const token = (payload as { token?: unknown } | null)?.token;
    if (typeof token !== 'string' || token.length === 0) throw new CommandError(ErrorCode.INVALID_PAYLOAD, 'token: expected a non-empty string', [{ path: 'token', message: 'expected a non-empty string' }]);
    let user: Identity;
    try {
      user = await authenticator.verifyToken(token);
    } catch {
      // Why verification failed is for the server log at most; the client learns only that it did.
      throw new CommandError(ErrorCode.UNAUTHORIZED, 'invalid token');
    }
    if (ctx.user !== undefined && ctx.user.id !== user.id) throw new CommandError(ErrorCode.FORBIDDEN, 'the token is for another user');
    await ctx.identify(user);
    return { user, expiresAt: typeof user['exp'] === 'number' ? user['exp'] : null };
  };
}
