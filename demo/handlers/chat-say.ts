import { randomUUID } from 'node:crypto';
import { CommandError, ErrorCode, handles, to, type CommandContext, type PayloadOf, type ResultOf } from '../../src/index.js';
import { ChatMessage, ChatSay } from '../contract.js';

/** Sends a message to everyone else in a room the sender is in. */
export async function chatSay({ room, text }: PayloadOf<typeof ChatSay>, ctx: CommandContext): Promise<ResultOf<typeof ChatSay>> {
  if (!ctx.rooms.has(room)) throw new CommandError(ErrorCode.FORBIDDEN, `join room "${room}" before writing to it`);
  const from = ctx.user?.id ?? ctx.connectionId;
  ctx.publish(ChatMessage, { room, from, text, at: Date.now() }, to.room(room).except(ctx.connectionId));
  return { messageId: randomUUID() };
}

export default handles(ChatSay, chatSay);
