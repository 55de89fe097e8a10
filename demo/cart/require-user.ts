import { CommandError, ErrorCode, type CommandContext } from '../../src/index.js';

/**
 * The sender's user id, or `UNAUTHORIZED` for an anonymous connection: a cart
 * belongs to a user, so every session of that user shares it.
 *
 * @example
 * const userId = requireUser(ctx);
 */
export function requireUser(ctx: CommandContext): string {
  const id = ctx.user?.id;
  if (id === undefined) throw new CommandError(ErrorCode.UNAUTHORIZED, 'carts belong to a user: connect with a name (?user=...)');
  return id;
}
