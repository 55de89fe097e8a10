import type { Observable, Subscription } from 'rxjs';
import type { EventEnvelope, EventPayloadOf } from '../../src/index.js';
import { ChatMessage, RoomJoined } from '../contract.js';
import type { RoomChange, RoomStatsStore } from './room-stats-store.js';

/** A room's statistics, as `room.stats` answers them. */
export interface RoomStatsResult {
  readonly room: string;
  readonly messages: number;
  readonly lastActivityAt: number | null;
}

/**
 * Counts what happens in each room on this node, from the events its
 * handlers publish (`chat.message` is a message, `room.joined` activity),
 * and keeps the changes until a write-behind saves them: `save` is its
 * flush. A failed save puts its changes back, so the next one carries them.
 *
 * @example
 * const activity = new RoomActivity(store);
 * activity.observe(app.publisher.events$);
 * const saves = new WriteBehind({ flush: (rooms) => activity.save(rooms) });
 */
export class RoomActivity {
  readonly #store: RoomStatsStore;
  // Changes not saved yet, and those being saved: both are this node's news, not yet in the store.
  readonly #unsaved = new Map<string, RoomChange>();
  readonly #saving = new Map<string, RoomChange>();

  constructor(store: RoomStatsStore) {
    this.#store = store;
  }

  /**
   * Follows a stream of published events until it completes (the
   * application's does on close).
   *
   * @example
   * activity.observe(app.publisher.events$);
   */
  observe(events$: Observable<EventEnvelope>): Subscription {
    return events$.subscribe({ next: (envelope) => this.#seen(envelope) });
  }

  /**
   * Records a message (or, with `message` false, some other activity) in a room.
   *
   * @example
   * activity.record('lobby', Date.now(), true);
   */
  record(room: string, at: number, message: boolean): void {
    this.#unsaved.set(room, merge(this.#unsaved.get(room), { messages: message ? 1 : 0, lastActivityAt: at }));
  }

  /**
   * Saves the changes of `rooms` to the store. A room with none costs nothing.
   *
   * @example
   * await activity.save(['lobby']);
   */
  async save(rooms: readonly string[]): Promise<void> {
    const batch = new Map<string, RoomChange>();
    for (const room of rooms) {
      const change = this.#unsaved.get(room);
      if (change === undefined) continue;
      batch.set(room, change);
      this.#unsaved.delete(room);
      this.#saving.set(room, change);
    }
    if (batch.size === 0) return;
    try {
      await this.#store.add(batch);
    } catch (error) {
      for (const [room, change] of batch) this.#unsaved.set(room, merge(this.#unsaved.get(room), change));
      throw error;
    } finally {
      for (const room of batch.keys()) this.#saving.delete(room);
    }
  }

  /**
   * The room's statistics: what the store holds, plus this node's changes not saved yet.
   *
   * @example
   * const { messages } = await activity.stats('lobby');
   */
  async stats(room: string): Promise<RoomStatsResult> {
    const saved = await this.#store.read(room);
    let messages = saved.messages;
    let lastActivityAt = saved.lastActivityAt;
    for (const change of [this.#saving.get(room), this.#unsaved.get(room)]) {
      if (change === undefined) continue;
      messages += change.messages;
      lastActivityAt = Math.max(lastActivityAt ?? 0, change.lastActivityAt);
    }
    return { room, messages, lastActivityAt };
  }

  #seen(envelope: EventEnvelope): void {
    // Events this node's own handlers published: their payloads have the contract's shapes.
    if (envelope.type === ChatMessage.type) {
      const { room, at } = envelope.payload as EventPayloadOf<typeof ChatMessage>;
      this.record(room, at, true);
    } else if (envelope.type === RoomJoined.type) {
      this.record((envelope.payload as EventPayloadOf<typeof RoomJoined>).room, Date.now(), false);
    }
  }
}

function merge(before: RoomChange | undefined, change: RoomChange): RoomChange {
  if (before === undefined) return change;
  return { messages: before.messages + change.messages, lastActivityAt: Math.max(before.lastActivityAt, change.lastActivityAt) };
}
