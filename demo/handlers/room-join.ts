import { injectable } from 'tsyringe';
import { EventPublisher, Presence, to, type CommandContext, type CommandHandler, type PayloadOf, type ResultOf } from '../../src/index.js';
import { RoomJoined, type RoomJoin } from '../contract.js';

/** Puts the sender in a room and tells the others there. */
@injectable()
export class RoomJoinHandler implements CommandHandler<typeof RoomJoin> {
  constructor(
    private readonly events: EventPublisher,
    private readonly presence: Presence,
  ) {}

  async execute({ room }: PayloadOf<typeof RoomJoin>, ctx: CommandContext): Promise<ResultOf<typeof RoomJoin>> {
    const alreadyIn = ctx.rooms.has(room);
    await ctx.join(room);
    if (!alreadyIn) {
      const member = { connectionId: ctx.connectionId, userId: ctx.user?.id };
      this.events.publish(RoomJoined, { room, member }, to.room(room).except(ctx.connectionId));
    }
    return { room, members: await this.presence.members(room) };
  }
}
