import { injectable } from 'tsyringe';
import { handles, Presence, type CommandContext, type CommandHandler, type PayloadOf, type ResultOf } from '../../src/index.js';
import { RoomJoin } from '../contract.js';
import { RoomCatchUp } from '../room-memory/room-catch-up.js';

/**
 * Puts the sender in a room and answers with who is there and what was
 * said lately (`recent`: the most active member's view, asked with
 * `room.state`, or the server's buffer). The rooms' policy (`app.room` in
 * app.ts) refuses a full room with `ROOM_FULL` and tells the others `room.joined`.
 */
@injectable()
export class RoomJoinHandler implements CommandHandler<typeof RoomJoin> {
  constructor(
    private readonly presence: Presence,
    private readonly catchUp: RoomCatchUp,
  ) {}

  async execute({ room }: PayloadOf<typeof RoomJoin>, ctx: CommandContext): Promise<ResultOf<typeof RoomJoin>> {
    await ctx.join(room);
    const [members, recent] = await Promise.all([this.presence.members(room), this.catchUp.recentFor(room, ctx)]);
    return { room, members, ...recent };
  }
}

export default handles(RoomJoin, RoomJoinHandler);
