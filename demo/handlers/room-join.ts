import { injectable } from 'tsyringe';
import { CommandError, EventPublisher, handles, Presence, to, type CommandContext, type CommandHandler, type PayloadOf, type ResultOf } from '../../src/index.js';
import { DemoErrorCode, RoomJoin, RoomJoined } from '../contract.js';
import { RoomCapacity } from '../room-capacity.js';

/** Puts the sender in a room, unless it is full, and tells the others there. */
@injectable()
export class RoomJoinHandler implements CommandHandler<typeof RoomJoin> {
  constructor(
    private readonly events: EventPublisher,
    private readonly presence: Presence,
    private readonly capacity: RoomCapacity,
  ) {}

  async execute({ room }: PayloadOf<typeof RoomJoin>, ctx: CommandContext): Promise<ResultOf<typeof RoomJoin>> {
    const alreadyIn = ctx.rooms.has(room);
    if (!alreadyIn) {
      const members = await this.presence.members(room);
      if (members.length >= this.capacity.value) throw new CommandError(DemoErrorCode.ROOM_FULL, `room "${room}" is full (${this.capacity.value} sessions)`);
      await ctx.join(room);
      const member = { connectionId: ctx.connectionId, userId: ctx.user?.id };
      this.events.publish(RoomJoined, { room, member }, to.room(room).except(ctx.connectionId));
    }
    return { room, members: await this.presence.members(room) };
  }
}

export default handles(RoomJoin, RoomJoinHandler);
