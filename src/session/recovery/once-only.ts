import type { CommandBus } from '../../commands/command-bus.js';
import type { InboundCommand } from '../../commands/inbound-command.js';
import type { CachedReply, ReplyCache } from '../../events/recovery/reply-cache.js';
import type { Reply } from '../../protocol/frames.js';
import { runCommand } from '../run-command.js';

/**
 * Once-only commands: a command id the session already ran (within the
 * resume TTL) does not run again, and the retry gets the first run's reply,
 * result or error; a retry that arrives while the first run is still going
 * waits for it. Keyed by the session's connection id, which a resume keeps.
 * It wraps the whole dispatch, so a retry is not validated, authorized or
 * charged again either, and a first run keeps the bus's fast path: with the
 * in-memory cache, a command that finishes synchronously is answered
 * synchronously, for two `Map` lookups more than without recovery.
 * Commands without an id are not remembered; nor is `session.resume`.
 */
export function dispatchOnce(bus: CommandBus, replies: ReplyCache, inbound: InboundCommand): Reply | undefined | Promise<Reply | undefined> {
  const commandId = inbound.id;
  if (commandId === undefined || inbound.type === 'session.resume') return runCommand(bus, inbound);
  const sessionId = inbound.session.id;
  const earlier = replies.begin(sessionId, commandId);
  if (earlier === undefined) return runOnce(bus, replies, inbound, sessionId, commandId);
  if (!(earlier instanceof Promise)) return replyOf(commandId, earlier);
  return earlier.then((cached) => (cached === undefined ? runOnce(bus, replies, inbound, sessionId, commandId) : replyOf(commandId, cached)));
}

/** The first run of an id: its reply is remembered once it has one, at once when the command finished synchronously. */
function runOnce(bus: CommandBus, replies: ReplyCache, inbound: InboundCommand, sessionId: string, commandId: string): Reply | undefined | Promise<Reply | undefined> {
  const outcome = runCommand(bus, inbound);
  if (outcome instanceof Promise) return outcome.then((reply) => remember(replies, sessionId, commandId, reply));
  return remember(replies, sessionId, commandId, outcome);
}

function remember(replies: ReplyCache, sessionId: string, commandId: string, reply: Reply | undefined): Reply | undefined {
  if (reply !== undefined) replies.finish(sessionId, commandId, reply.kind === 'result' ? { ok: true, payload: reply.payload } : { ok: false, error: reply.error });
  return reply;
}

function replyOf(id: string, cached: CachedReply): Reply {
  return cached.ok ? { kind: 'result', id, payload: cached.payload } : { kind: 'error', id, error: cached.error };
}
