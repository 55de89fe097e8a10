import { injectable } from 'tsyringe';
import { EventPublisher, handles, to, type CommandContext, type CommandHandler, type PayloadOf, type ResultOf } from '../../src/index.js';
import { RoomLeave, RoomLeft } from '../contract.js';

/** Takes the sender out of a room and tells the others there. */
@injectable()
export class RoomLeaveHandler implements CommandHandler<typeof RoomLeave> {
  constructor(private readonly events: EventPublisher) {}

  async execute({ room }: PayloadOf<typeof RoomLeave>, ctx: CommandContext): Promise<ResultOf<typeof RoomLeave>> {
    if (ctx.rooms.has(room)) {
      await ctx.leave(room);
      this.events.publish(RoomLeft, { room, member: { connectionId: ctx.connectionId, userId: ctx.user?.id } }, to.room(room));
    }
    return { room };
  }
}

export default handles(RoomLeave, RoomLeaveHandler);
