import type { Middleware } from '../../commands/middleware.js';
import { CommandError, ErrorCode } from '../../protocol/errors.js';
import type { CachedReply, ReplyCache } from '../../events/recovery/reply-cache.js';

/**
 * Once-only commands: a command id the session already ran (within the
 * resume TTL) does not run again, and the retry gets the first run's reply;
 * a retry that arrives while the first run is still going waits for it.
 * Keyed by the session's connection id, which a resume keeps. The
 * outermost layer, so a retry is not charged twice by any other layer
 * either. Commands without an id are not remembered; nor is `session.resume`.
 */
export function onceOnly(replies: ReplyCache): Middleware {
  const layer = async (ctx: Parameters<Middleware>[0], next: () => Promise<unknown>): Promise<unknown> => {
    const commandId = ctx.commandId;
    if (commandId === undefined || ctx.type === 'session.resume') return next();
    const sessionId = ctx.connectionId;
    const earlier = await replies.begin(sessionId, commandId);
    if (earlier !== undefined) return answer(earlier);
    let reply: CachedReply;
    try {
      const payload = await next();
      reply = { ok: true, payload };
      replies.finish(sessionId, commandId, reply);
      return payload;
    } catch (error) {
      const known = error instanceof CommandError ? error : new CommandError(ErrorCode.INTERNAL, 'internal error');
      replies.finish(sessionId, commandId, { ok: false, error: { code: known.code, message: known.message, details: known.details } });
      throw error;
    }
  };
  return Object.assign(layer, { runsBeforeValidation: true } as const);
}

function answer(reply: CachedReply): unknown {
  if (reply.ok) return reply.payload;
  throw new CommandError(reply.error.code, reply.error.message, [...reply.error.details]);
}
