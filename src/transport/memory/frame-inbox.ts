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
  readonly timer: ReturnType<typeof setTimeout> | undefined;
}

/** How long `waitFor` and `nextEvent` wait when not told, in ms. */
const DEFAULT_TIMEOUT_MS = 5000;
/** Largest delay Node's timers accept. */
const MAX_TIMEOUT_MS = 2_147_483_647;
/** How much of the last frame a timeout message quotes. */
const QUOTED_CHARACTERS = 200;

/**
 * The frames a test client has received, and ways to await the ones still to
 * come. Await frames, never sleep: every wait has a deadline, so a lost frame
 * fails the test with a message saying what was awaited instead of hanging it.
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

  /**
   * Resolves with the first frame, already received or still to come, that
   * matches. Rejects once `timeoutMs` has passed without one, with an `Error`
   * whose message names `description`, counts the frames received and quotes
   * the last one. `MemoryClient.request` waits for its reply this way, with
   * the default deadline; `Infinity` waits for ever. Rejects with a
   * `RangeError` when `timeoutMs` is out of range.
   *
   * @param description What is awaited, for the message of the rejection. @default 'a frame matching <the predicate's source>'
   * @param timeoutMs How long to wait, in ms: an integer from 1 to 2147483647, or `Infinity`. @default 5000
   *
   * @example
   * const reply = await client.waitFor((frame) => frame.kind !== 'event' && frame.id === '7', 'the reply to 7', 2000);
   * // after 2 s without it: Error: timed out after 2000 ms waiting for the reply to 7 (3 frames received, the last: {...})
   */
  async waitFor(match: (frame: F) => boolean, description?: string, timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<F> {
    checkTimeout(timeoutMs);
    const seen = this.frames.find(match);
    if (seen !== undefined) return seen;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === Number.POSITIVE_INFINITY
          ? undefined
          : setTimeout(() => {
              this.#waiters = this.#waiters.filter((waiter) => waiter !== entry);
              reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description ?? `a frame matching ${String(match)}`} (${this.#received()})`));
            }, timeoutMs);
      const entry: Waiter<F> = { match, resolve, timer };
      this.#waiters.push(entry);
    });
  }

  /**
   * Resolves with the payload of the first event of this type, already
   * received or still to come. Rejects once `timeoutMs` has passed without
   * one, with a message naming the event type.
   *
   * @param timeoutMs How long to wait, in ms: an integer from 1 to 2147483647, or `Infinity`. @default 5000
   *
   * @example
   * const { text } = await bob.nextEvent(ChatMessage, 1000);
   */
  async nextEvent<E extends EventDefinition>(event: E, timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<EventPayloadOf<E>> {
    const frame = await this.waitFor((candidate) => candidate.kind === 'event' && candidate.type === event.type, `the event ${event.type}`, timeoutMs);
    return (frame as { payload: EventPayloadOf<E> }).payload;
  }

  /** Records a received frame and wakes whoever waits for it. */
  protected push(frame: F): void {
    this.frames.push(frame);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (!waiter.match(frame)) {
        this.#waiters.push(waiter);
        continue;
      }
      clearTimeout(waiter.timer);
      waiter.resolve(frame);
    }
  }

  #received(): string {
    const last = this.frames.at(-1);
    if (last === undefined) return 'no frame received';
    const quoted = JSON.stringify(last) ?? String(last);
    const shown = quoted.length > QUOTED_CHARACTERS ? `${quoted.slice(0, QUOTED_CHARACTERS)}...` : quoted;
    return `${this.frames.length} frame${this.frames.length === 1 ? '' : 's'} received, the last: ${shown}`;
  }
}

function checkTimeout(timeoutMs: number): void {
  if (timeoutMs === Number.POSITIVE_INFINITY) return;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new RangeError(`timeoutMs must be an integer from 1 to ${MAX_TIMEOUT_MS} ms, or Infinity; got ${String(timeoutMs)}`);
  }
}
