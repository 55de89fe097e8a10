import type { EventDefinition, EventPayloadOf } from '../../protocol/define-event.js';
import type { ServerFrame } from '../../protocol/frames.js';

/** The least a frame type must have for an inbox to sort events out of it. */
interface AnyFrame {
  readonly kind: string;
  readonly type?: string;
  readonly payload?: unknown;
}

interface Waiter<F> {
  readonly match: (frame: F) => boolean;
  readonly resolve: (frame: F) => void;
}

/**
 * The frames a test client has received, and ways to await the ones still to
 * come. Await frames, never sleep.
 *
 * @example
 * const message = await bob.nextEvent(ChatMessage);
 * assert.equal(alice.events(ChatMessage).length, 0);
 */
export class FrameInbox<F extends AnyFrame = ServerFrame> {
  /** Every frame received, oldest first. */
  readonly frames: F[] = [];
  #waiters: Waiter<F>[] = [];

  /** The payloads of the events of one type received so far. */
  events<E extends EventDefinition>(event: E): EventPayloadOf<E>[] {
    return this.frames.filter((frame) => frame.kind === 'event' && frame.type === event.type).map((frame) => (frame as { payload: EventPayloadOf<E> }).payload);
  }

  /** Resolves with the first frame, already received or still to come, that matches. */
  waitFor(match: (frame: F) => boolean): Promise<F> {
    const seen = this.frames.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  /** Resolves with the payload of the first event of this type. */
  async nextEvent<E extends EventDefinition>(event: E): Promise<EventPayloadOf<E>> {
    const frame = await this.waitFor((candidate) => candidate.kind === 'event' && candidate.type === event.type);
    return (frame as { payload: EventPayloadOf<E> }).payload;
  }

  /** Records a received frame and wakes whoever waits for it. */
  protected push(frame: F): void {
    this.frames.push(frame);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (waiter.match(frame)) waiter.resolve(frame);
      else this.#waiters.push(waiter);
    }
  }
}
