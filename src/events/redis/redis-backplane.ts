import type { Redis } from 'ioredis';
import { BehaviorSubject, Subject, distinctUntilChanged, firstValueFrom, filter, type Observable } from 'rxjs';
import type { Backplane } from '../backplane.js';
import type { EventEnvelope } from '../event-envelope.js';
import { closeRedis, openRedis } from './redis-connection.js';
import { RedisLinkState } from './redis-link-state.js';
import { resolveRedisOptions, type RedisScaleOutOptions, type ResolvedRedisOptions } from './redis-options.js';

/** What crosses Redis: the publishing node's id and the event. */
interface WireMessage {
  readonly n: string;
  readonly e: EventEnvelope;
}

/**
 * A backplane on Redis pub/sub, so an event published on any node reaches
 * its audience on every node. Local delivery stays synchronous and never
 * waits for Redis; other nodes get the event through one channel and skip
 * their own messages. Each node's transports then resolve the audience
 * against their own connections and encode the event once.
 *
 * While Redis is unreachable, events still reach this node's connections;
 * events for other nodes are dropped (at-most-once), counted, and the
 * outage is logged once when it starts and once when it ends. Reconnection
 * is automatic.
 *
 * @example
 * const backplane = new RedisBackplane({ url: process.env.REDIS_URL });
 * await backplane.ready();
 * const app = new Switchyard({ backplane });
 */
export class RedisBackplane implements Backplane {
  readonly #options: ResolvedRedisOptions;
  readonly #channel: string;
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #deliveries = new Subject<EventEnvelope>();
  readonly #status = new BehaviorSubject<'up' | 'down'>('down');
  readonly #link: RedisLinkState;
  #subscribed = false;
  #closing: Promise<void> | undefined;

  constructor(options: RedisScaleOutOptions) {
    this.#options = resolveRedisOptions(options);
    this.#channel = `${this.#options.keyPrefix}events`;
    this.#link = new RedisLinkState(this.#options.logger, 'backplane', 'events for other nodes are dropped until it is back; local delivery continues');
    this.#publisher = openRedis(this.#options, 'pub');
    this.#subscriber = openRedis(this.#options, 'sub');
    for (const redis of [this.#publisher, this.#subscriber]) {
      redis.on('error', this.#onError);
      redis.on('close', this.#onClose);
    }
    this.#publisher.on('ready', this.#update);
    this.#subscriber.on('ready', this.#onSubscriberReady);
    this.#subscriber.on('message', this.#onMessage);
  }

  /** This node's id, carried in every message it publishes. */
  get nodeId(): string {
    return this.#options.nodeId;
  }

  /** `'up'` while events cross nodes, `'down'` while Redis is unreachable. Emits on change. */
  get status$(): Observable<'up' | 'down'> {
    return this.#status.pipe(distinctUntilChanged());
  }

  get deliveries(): Observable<EventEnvelope> {
    return this.#deliveries.asObservable();
  }

  /** Resolves once events cross nodes: both connections are up and the channel is subscribed. */
  async ready(): Promise<void> {
    await firstValueFrom(this.#status.pipe(filter((status) => status === 'up')));
  }

  publish(envelope: EventEnvelope): void {
    if (this.#closing !== undefined) return;
    this.#deliveries.next(envelope);
    if (!this.#link.isUp) {
      this.#link.lost();
      return;
    }
    let message: string;
    try {
      message = JSON.stringify({ n: this.#options.nodeId, e: envelope } satisfies WireMessage);
    } catch (error) {
      this.#options.logger.error({ err: error, type: envelope.type }, 'event could not be serialized for other nodes');
      return;
    }
    this.#publisher.publish(this.#channel, message).catch(this.#onPublishFailed);
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    this.#deliveries.complete();
    this.#status.complete();
    this.#subscriber.off('close', this.#onClose);
    this.#publisher.off('close', this.#onClose);
    await Promise.all([closeRedis(this.#publisher), closeRedis(this.#subscriber)]);
  }

  readonly #update = (): void => {
    if (this.#closing !== undefined) return;
    const up = this.#publisher.status === 'ready' && this.#subscriber.status === 'ready' && this.#subscribed;
    if (up) this.#link.up();
    else this.#link.down();
    this.#status.next(up ? 'up' : 'down');
  };

  readonly #onSubscriberReady = (): void => {
    this.#subscribed = false;
    // Subscribing on every ready, rather than relying on resubscription, is what tells us when events flow again.
    this.#subscriber.subscribe(this.#channel).then(
      () => {
        this.#subscribed = true;
        this.#update();
      },
      (error: unknown) => this.#onError(error),
    );
  };

  readonly #onClose = (): void => {
    this.#subscribed &&= this.#subscriber.status === 'ready';
    this.#update();
  };

  readonly #onError = (error: unknown): void => {
    // ioredis reports every failed reconnection attempt; the outage itself is logged once, on close.
    this.#options.logger.debug({ err: error }, 'redis connection error');
  };

  readonly #onPublishFailed = (): void => {
    this.#link.lost();
  };

  readonly #onMessage = (channel: string, raw: string): void => {
    if (channel !== this.#channel) return;
    let message: WireMessage;
    try {
      message = JSON.parse(raw) as WireMessage;
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'malformed backplane message ignored');
      return;
    }
    if (message.n === this.#options.nodeId) return;
    this.#deliveries.next(message.e);
  };
}
