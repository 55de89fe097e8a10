/**
 * The subscribe side of a Redis link, as {@link InterestSubscriptions} uses
 * it: classic pub/sub on one Redis (`SUBSCRIBE`), sharded pub/sub on a
 * Cluster (`SSUBSCRIBE`, one slot per call).
 */
export interface ChannelSubscriber {
  /** Whether commands can be sent now. */
  readonly ready: boolean;
  /** Resolves once Redis confirmed every channel. */
  subscribe(channels: readonly string[]): Promise<unknown>;
  unsubscribe(channels: readonly string[]): Promise<unknown>;
  /** Most channels one call may carry (1 for sharded pub/sub: one slot per call). */
  readonly batch: number;
}

const RESOLVED = Promise.resolve();

function noop(): void {}

/**
 * The channels a node subscribes to, counted: the first `acquire` of a
 * channel subscribes, the last `release` unsubscribes `lingerMs` later
 * unless it is acquired again meanwhile (a member that leaves and comes
 * back costs nothing). After a reconnection, {@link resubscribeAll} sends
 * every channel again, so interests survive an outage.
 *
 * An acquire resolves once Redis confirmed the subscription (or at once
 * while Redis is away, or when the link drops before it was confirmed: the
 * resubscription on reconnect covers the channel, and until then nothing
 * crosses nodes). It never rejects.
 *
 * @example
 * const interests = new InterestSubscriptions(subscriber, 2000, (error) => log.debug({ err: error }));
 * await interests.acquire('switchyard:{room:lobby}');
 * interests.release('switchyard:{room:lobby}');
 */
export class InterestSubscriptions {
  readonly #subscriber: ChannelSubscriber;
  readonly #lingerMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #counts = new Map<string, number>();
  /** Channels subscribed or on their way (counted or lingering), with their confirmation. */
  readonly #active = new Map<string, Promise<void>>();
  readonly #lingering = new Map<string, NodeJS.Timeout>();
  #outage!: Promise<void>;
  #endOutage!: () => void;
  #closed = false;

  constructor(subscriber: ChannelSubscriber, lingerMs: number, onError: (error: unknown) => void) {
    this.#subscriber = subscriber;
    this.#lingerMs = lingerMs;
    this.#onError = onError;
    this.#armOutage();
  }

  /** Number of channels subscribed or on their way, lingering ones included. */
  get size(): number {
    return this.#active.size;
  }

  /** Whether `channel` is subscribed or on its way (counted or lingering). */
  has(channel: string): boolean {
    return this.#active.has(channel);
  }

  acquire(channel: string): Promise<void> {
    this.#counts.set(channel, (this.#counts.get(channel) ?? 0) + 1);
    const timer = this.#lingering.get(channel);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#lingering.delete(channel);
    }
    const known = this.#active.get(channel);
    if (known !== undefined) return known;
    const confirmed = this.#subscribe(channel);
    this.#active.set(channel, confirmed);
    return confirmed;
  }

  release(channel: string): void {
    const count = this.#counts.get(channel);
    if (count === undefined) return;
    if (count > 1) {
      this.#counts.set(channel, count - 1);
      return;
    }
    this.#counts.delete(channel);
    if (this.#closed) return;
    const timer = setTimeout(this.#expire, this.#lingerMs, channel);
    timer.unref();
    this.#lingering.set(channel, timer);
  }

  /**
   * Subscribes every channel again, in batches, after the subscribing
   * connection (re)connected. Rejects if Redis refused one, or the link
   * dropped again.
   */
  async resubscribeAll(): Promise<void> {
    this.#armOutage();
    const channels = [...this.#active.keys()];
    const batches: Promise<unknown>[] = [];
    for (let start = 0; start < channels.length; start += this.#subscriber.batch) {
      batches.push(this.#subscriber.subscribe(channels.slice(start, start + this.#subscriber.batch)));
    }
    await Promise.all(batches);
  }

  /** The link dropped: waiting acquires resolve now (nothing crosses nodes until the resubscription). */
  down(): void {
    this.#endOutage();
  }

  /** Stops every linger timer. */
  close(): void {
    this.#closed = true;
    this.#endOutage();
    for (const timer of this.#lingering.values()) clearTimeout(timer);
    this.#lingering.clear();
  }

  #armOutage(): void {
    this.#outage = new Promise((resolve) => (this.#endOutage = resolve));
  }

  #subscribe(channel: string): Promise<void> {
    if (!this.#subscriber.ready) return RESOLVED;
    const subscribed = this.#subscriber.subscribe([channel]).then(noop, this.#onError);
    return Promise.race([subscribed, this.#outage]);
  }

  readonly #expire = (channel: string): void => {
    this.#lingering.delete(channel);
    this.#active.delete(channel);
    if (this.#subscriber.ready) this.#subscriber.unsubscribe([channel]).catch(this.#onError);
  };
}
