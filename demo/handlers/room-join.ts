import { injectable } from 'tsyringe';
import { handles, Presence, type CommandContext, type CommandHandler, type PayloadOf, type ResultOf } from '../../src/index.js';
import { RoomJoin } from '../contract.js';

/**
 * Puts the sender in a room and answers with who is there. The rooms'
 * policy (`app.room` in app.ts) refuses a full room with `ROOM_FULL` and
 * tells the others `room.joined`.
 */
@injectable()
export class RoomJoinHandler implements CommandHandler<typeof RoomJoin> {
  constructor(private readonly presence: Presence) {}

  async execute({ room }: PayloadOf<typeof RoomJoin>, ctx: CommandContext): Promise<ResultOf<typeof RoomJoin>> {
    await ctx.join(room);
    return { room, members: await this.presence.members(room) };
  }
}

export default handles(RoomJoin, RoomJoinHandler);
