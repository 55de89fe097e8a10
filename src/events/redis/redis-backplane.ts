import type { Cluster, Redis } from 'ioredis';
import { BehaviorSubject, Subject, distinctUntilChanged, firstValueFrom, filter, type Observable } from 'rxjs';
import { SetupError, SetupErrorCode } from '../../protocol/errors.js';
import type { Backplane, BackplaneStats } from '../backplane.js';
import type { EventEnvelope } from '../event-envelope.js';
import type { InterestKey } from '../interest-key.js';
import type { Audience } from '../audience.js';
import { streamOf } from '../history/event-history.js';
import { channelFor, sharedChannel } from './channel-for.js';
import { splitRecorded, type RecordedRoute } from './recorded-message.js';
import { InterestSubscriptions } from './interest-subscriptions.js';
import { publishOn, RedisPubSub } from './redis-pubsub.js';
import { readBackplaneMessage, type BackplaneMessage } from './backplane-message.js';
import { IntervalLog } from './interval-log.js';
import { MessageSignature } from './message-signature.js';
import { closeRedis, openRedisLink } from './redis-connection.js';
import { RedisLinkState } from './redis-link-state.js';
import { resolveRedisOptions, type RedisScaleOutOptions, type ResolvedRedisOptions } from './redis-options.js';

const RESOLVED = Promise.resolve();

/** How often, at most, dropped messages are logged (with their count). */
const DROP_LOG_INTERVAL_MS = 10_000;

/** What a {@link RedisBackplane} carried, and dropped, since it started. */
export interface RedisBackplaneStats extends BackplaneStats {
  /** Events for other nodes dropped while Redis was unreachable, or whose publish Redis refused. */
  readonly lost: number;
  /** Messages that were not a node's message: not JSON, or not the shape a node publishes. */
  readonly malformed: number;
  /** With a `signingKey`: messages without a signature, or whose signature did not match. */
  readonly rejected: number;
  /**
   * This node's own messages that Redis handed back, because the node is
   * subscribed to the audience it published to; dropped on arrival (local
   * delivery already happened). Counted apart from `received`.
   */
  readonly echoed: number;
  /**
   * Recorded events (with recovery on Redis) that arrived on a channel this
   * node is subscribed to and were delivered here, this node's own
   * included: a recorded event reaches every node, its publisher too, from
   * Redis, so that positions and delivery order agree. Counted apart from
   * `received`.
   */
  readonly recorded: number;
}

/**
 * A backplane on Redis pub/sub, so an event published on any node reaches
 * its audience on every node. Local delivery stays synchronous and never
 * waits for Redis; other nodes get the event through Redis and skip their
 * own messages. Each node's transports then resolve the audience against
 * their own connections and encode the event once.
 *
 * Under interest routing (the default), an event goes on its audience's
 * channel ({@link channelFor}) and a node subscribes only to the rooms,
 * users and connections it has local members of, so a node pays for its
 * own traffic, not the whole system's; `to.all()` goes on a channel every
 * node reads. Under `routing: 'broadcast'`, every event goes on that one
 * channel. On a Redis Cluster (`redis+cluster://` or a `Cluster` client)
 * channels are sharded (`SPUBLISH`/`SSUBSCRIBE`).
 *
 * While Redis is unreachable, events still reach this node's connections;
 * events for other nodes are dropped (at-most-once), counted, and the
 * outage is logged once when it starts and once when it ends. Reconnection
 * is automatic.
 *
 * Whatever arrives on the channel is checked before it is used: a message
 * that is not a node's message (or, with a `signingKey`, is not signed with
 * it) is dropped, counted in {@link RedisBackplane.stats}, and logged at
 * most once every 10 seconds; it never throws.
 *
 * @example
 * const backplane = new RedisBackplane({ url: process.env.REDIS_URL });
 * await backplane.ready();
 * const app = new Switchyard({ backplane });
 */
export class RedisBackplane implements Backplane {
  readonly #options: ResolvedRedisOptions;
  readonly #channel: string;
  readonly #interestRouting: boolean;
  readonly #sharded: boolean;
  readonly #publisher: Redis | Cluster;
  readonly #subscriber: Redis | Cluster;
  readonly #interests: InterestSubscriptions;
  readonly #deliveries = new Subject<EventEnvelope>();
  readonly #status = new BehaviorSubject<'up' | 'down'>('down');
  readonly #link: RedisLinkState;
  readonly #signature: MessageSignature | undefined;
  readonly #malformedLog: IntervalLog;
  readonly #rejectedLog: IntervalLog;
  #sent = 0;
  #received = 0;
  #lost = 0;
  #malformed = 0;
  #rejected = 0;
  #echoed = 0;
  #recorded = 0;
  #subscribed = false;
  /** Moves on every (re)connection of the subscriber, so a late resubscription does not mark the link up. */
  #subscriptions = 0;
  #closing: Promise<void> | undefined;

  constructor(options: RedisScaleOutOptions) {
    this.#options = resolveRedisOptions(options);
    this.#channel = sharedChannel(this.#options.keyPrefix);
    this.#interestRouting = this.#options.routing === 'interest';
    this.#sharded = this.#options.cluster;
    this.#link = new RedisLinkState(this.#options.logger, 'backplane', 'events for other nodes are dropped until it is back; local delivery continues');
    const log = this.#options.logger.child({ component: 'redis-backplane' });
    this.#malformedLog = new IntervalLog(log, DROP_LOG_INTERVAL_MS, 'malformed backplane messages dropped');
    this.#rejectedLog = new IntervalLog(log, DROP_LOG_INTERVAL_MS, 'unsigned or forged backplane messages dropped');
    this.#signature = this.#options.signingKey === undefined ? undefined : new MessageSignature(this.#options.signingKey);
    this.#publisher = openRedisLink(this.#options, 'pub');
    this.#subscriber = openRedisLink(this.#options, 'sub', { sharded: this.#sharded });
    const pubsub = new RedisPubSub(this.#subscriber, this.#sharded);
    this.#interests = new InterestSubscriptions(pubsub, this.#options.interestLingerMs, this.#onError);
    // Held for the backplane's life: to.all(), and every event under broadcast routing.
    void this.#interests.acquire(this.#channel);
    for (const redis of [this.#publisher, this.#subscriber]) {
      redis.on('error', this.#onError);
      redis.on('close', this.#onClose);
    }
    this.#publisher.on('ready', this.#update);
    this.#subscriber.on('ready', this.#onSubscriberReady);
    this.#subscriber.on(pubsub.messageEvent, this.#onMessage);
  }

  /** This node's id, carried in every message it publishes. */
  get nodeId(): string {
    return this.#options.nodeId;
  }

  /** `'up'` while events cross nodes, `'down'` while Redis is unreachable. Emits on change. */
  get status$(): Observable<'up' | 'down'> {
    return this.#status.pipe(distinctUntilChanged());
  }

  /**
   * Counts of what this node sent, received and dropped (a snapshot).
   * `malformed` or `rejected` above zero means something other than a node
   * of this application publishes under the key prefix: see "Security on a
   * shared Redis" in docs/scaling.md.
   *
   * @example
   * metrics.gauge('backplane_malformed', backplane.stats.malformed);
   */
  get stats(): RedisBackplaneStats {
    return Object.freeze({ sent: this.#sent, received: this.#received, lost: this.#lost, malformed: this.#malformed, rejected: this.#rejected, echoed: this.#echoed, recorded: this.#recorded });
  }

  /** The channels this node is subscribed to, or subscribing to, lingering ones included (1 under broadcast routing). */
  get channels(): number {
    return this.#interests.size;
  }

  /** Under interest routing, subscribes to `key`'s channel on its first local member; resolves once Redis confirmed it. */
  interest(key: InterestKey): Promise<void> {
    if (!this.#interestRouting || this.#closing !== undefined) return RESOLVED;
    return this.#interests.acquire(channelFor(this.#options.keyPrefix, key));
  }

  /** Undoes one {@link interest}; after the last, unsubscribes `interestLingerMs` later. */
  disinterest(key: InterestKey): void {
    if (!this.#interestRouting) return;
    this.#interests.release(channelFor(this.#options.keyPrefix, key));
  }

  /**
   * Where the history script publishes a recorded event for `audience`, so
   * that exactly the nodes interested in it receive it: the channel this
   * backplane would publish the event on, and whether it is sharded.
   */
  recordedRoute(audience: Audience): RecordedRoute {
    return { channel: this.#interestRouting ? channelFor(this.#options.keyPrefix, audience) : this.#channel, sharded: this.#sharded };
  }

  get deliveries(): Observable<EventEnvelope> {
    return this.#deliveries.asObservable();
  }

  /** Resolves once events cross nodes: both connections are up and the channel is subscribed. Rejects with `SetupError` `CLOSED` after `close()`. */
  async ready(): Promise<void> {
    const status = await firstValueFrom(this.#status.pipe(filter((status) => status === 'up')), { defaultValue: 'closed' as const });
    if (status === 'closed') throw new SetupError(SetupErrorCode.CLOSED, 'the Redis backplane is closed');
  }

  publish(envelope: EventEnvelope): void {
    if (this.#closing !== undefined) return;
    this.#deliveries.next(envelope);
    if (!this.#link.isUp) {
      this.#lost += 1;
      this.#link.lost();
      return;
    }
    let message: string;
    try {
      message = JSON.stringify({ n: this.#options.nodeId, e: envelope } satisfies BackplaneMessage);
    } catch (error) {
      this.#options.logger.error({ err: error, type: envelope.type }, 'event could not be serialized for other nodes');
      return;
    }
    if (this.#signature !== undefined) message = this.#signature.sign(message);
    const channel = this.#interestRouting ? channelFor(this.#options.keyPrefix, envelope.audience) : this.#channel;
    publishOn(this.#publisher, this.#sharded, channel, message).then(this.#onPublished, this.#onPublishFailed);
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    this.#interests.close();
    this.#malformedLog.close();
    this.#rejectedLog.close();
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
    const attempt = ++this.#subscriptions;
    // Subscribing every channel on every ready, rather than relying on resubscription, is what tells us when events flow again.
    this.#interests.resubscribeAll().then(
      () => {
        if (attempt !== this.#subscriptions || this.#subscriber.status !== 'ready') return;
        this.#subscribed = true;
        this.#update();
      },
      (error: unknown) => this.#onError(error),
    );
  };

  readonly #onClose = (): void => {
    this.#subscribed &&= this.#subscriber.status === 'ready';
    if (!this.#subscribed) this.#interests.down();
    this.#update();
  };

  readonly #onError = (error: unknown): void => {
    // ioredis reports every failed reconnection attempt; the outage itself is logged once, on close.
    this.#options.logger.debug({ err: error }, 'redis connection error');
  };

  readonly #onPublished = (): void => {
    this.#sent += 1;
  };

  readonly #onPublishFailed = (): void => {
    this.#lost += 1;
    this.#link.lost();
  };

  readonly #onMessage = (channel: string, raw: string): void => {
    if (this.#closing !== undefined || !this.#interests.has(channel)) return;
    const recorded = splitRecorded(raw);
    const body = recorded?.message ?? raw;
    let json: string | undefined = body;
    if (this.#signature !== undefined) {
      json = this.#signature.open(body);
      if (json === undefined) {
        this.#rejected += 1;
        this.#rejectedLog.record({ total: this.#rejected });
        return;
      }
    }
    let message: BackplaneMessage | undefined;
    try {
      message = readBackplaneMessage(JSON.parse(json));
    } catch {
      message = undefined;
    }
    if (message === undefined) {
      this.#malformed += 1;
      this.#malformedLog.record({ total: this.#malformed });
      return;
    }
    if (recorded !== undefined) {
      const stream = streamOf(message.e.audience, message.e.volatile);
      if (stream === undefined) {
        this.#malformed += 1;
        this.#malformedLog.record({ total: this.#malformed });
        return;
      }
      // Delivered here whoever published it: the publisher left local delivery to this message.
      this.#recorded += 1;
      this.#deliveries.next({ ...message.e, position: { stream, pos: recorded.pos } });
      return;
    }
    if (message.n === this.#options.nodeId) {
      this.#echoed += 1;
      return;
    }
    this.#received += 1;
    this.#deliveries.next(message.e);
  };
}
