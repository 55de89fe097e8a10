import type { Observable, Subscription } from 'rxjs';
import type { EventEnvelope } from '../../src/index.js';
import { ChatMessage, type ChatMessagePayload } from '../contract.js';

/** Messages kept per room. */
export const RECENT_MESSAGES = 20;
/** Rooms kept at most; the least recently written is dropped first. */
const MAX_ROOMS = 1000;

/**
 * The server's own memory of each room: the last {@link RECENT_MESSAGES}
 * `chat.message` events this node published. What a late joiner gets when
 * no member answers `room.state` in time.
 *
 * @example
 * const recent = new RecentMessages();
 * recent.observe(app.publisher.events$);
 * recent.of('lobby');
 */
export class RecentMessages {
  readonly #rooms = new Map<string, ChatMessagePayload[]>();

  /** Follows a stream of published events until it completes. */
  observe(events$: Observable<EventEnvelope>): Subscription {
    return events$.subscribe({
      next: (envelope) => {
        if (envelope.type === ChatMessage.type) this.add(envelope.payload as ChatMessagePayload);
      },
    });
  }

  add(message: ChatMessagePayload): void {
    const messages = this.#rooms.get(message.room) ?? [];
    this.#rooms.delete(message.room);
    if (this.#rooms.size >= MAX_ROOMS) this.#rooms.delete(this.#rooms.keys().next().value as string);
    messages.push(message);
    if (messages.length > RECENT_MESSAGES) messages.shift();
    this.#rooms.set(message.room, messages);
  }

  /** The room's recent messages, oldest first (a copy). */
  of(room: string): ChatMessagePayload[] {
    return [...(this.#rooms.get(room) ?? [])];
  }
}
