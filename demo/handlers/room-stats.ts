import { injectable } from 'tsyringe';
import { handles, type CommandHandler, type PayloadOf, type ResultOf } from '../../src/index.js';
import { RoomStats } from '../contract.js';
import { RoomActivity } from '../room-stats/room-activity.js';

/** Answers a room's statistics: its messages and its last activity, saved or not yet. */
@injectable()
export class RoomStatsHandler implements CommandHandler<typeof RoomStats> {
  constructor(private readonly activity: RoomActivity) {}

  async execute({ room }: PayloadOf<typeof RoomStats>): Promise<ResultOf<typeof RoomStats>> {
    return this.activity.stats(room);
  }
}

export default handles(RoomStats, RoomStatsHandler);
