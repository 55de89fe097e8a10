import type { CommandContext } from '../../src/index.js';
import { RoomState, type ChatMessagePayload, type RecentSource } from '../contract.js';
import { RecentMessages } from './recent-messages.js';
import { RoomSpeakers } from './room-speakers.js';

/** How long a joiner waits for the most active member's answer before the server's own buffer is used, in ms. */
export const DEFAULT_CATCH_UP_TIMEOUT_MS = 1000;

/**
 * What a member joining a room gets to catch up: the view of the room's
 * most active member, asked with `room.state` (`ctx.ask`, on whichever node
 * that member is), or, when nobody spoke lately or the member does not
 * answer in time, the server's own recent messages.
 *
 * Built with no arguments (`registerSingleton(RoomCatchUp)`), it follows
 * nobody and always answers the server's buffer, which is then empty: the
 * demo's app.ts feeds both from the application.
 *
 * @example
 * app.container.registerInstance(RoomCatchUp, new RoomCatchUp(speakers, recent, 1000));
 * const { recent, recentSource } = await catchUp.recentFor('lobby', ctx);
 */
export class RoomCatchUp {
  constructor(
    readonly speakers: RoomSpeakers = new RoomSpeakers(),
    readonly messages: RecentMessages = new RecentMessages(),
    readonly timeoutMs: number = DEFAULT_CATCH_UP_TIMEOUT_MS,
  ) {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new RangeError('the catch-up timeout must be a positive number of ms');
  }

  async recentFor(room: string, ctx: CommandContext): Promise<{ recent: ChatMessagePayload[]; recentSource: RecentSource }> {
    const leader = this.speakers.mostActive(room, { except: ctx.connectionId });
    if (leader !== undefined) {
      try {
        const { messages } = await ctx.ask(leader, RoomState, { room }, { timeoutMs: this.timeoutMs });
        // A member answers for the room it was asked about, and nothing else.
        return { recent: messages.filter((message) => message.room === room), recentSource: 'member' };
      } catch (error) {
        ctx.log.debug({ err: error, leader, room }, 'the most active member did not answer room.state; using the server\'s buffer');
      }
    }
    return { recent: this.messages.of(room), recentSource: 'server' };
  }
}
