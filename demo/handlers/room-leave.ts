import { handles, type CommandContext, type PayloadOf, type ResultOf } from '../../src/index.js';
import { RoomLeave } from '../contract.js';

/** Takes the sender out of a room; the rooms' policy tells the others `room.left`. */
export async function roomLeave({ room }: PayloadOf<typeof RoomLeave>, ctx: CommandContext): Promise<ResultOf<typeof RoomLeave>> {
  await ctx.leave(room);
  return { room };
}

export default handles(RoomLeave, roomLeave);
