import type { Cluster, Redis } from 'ioredis';
import type { ChannelSubscriber } from './interest-subscriptions.js';

/** Most channels one classic `SUBSCRIBE` carries when subscribing again after a reconnection. */
const SUBSCRIBE_BATCH = 1000;

/**
 * Pub/sub on one Redis (`PUBLISH`/`SUBSCRIBE`, messages as `message`) or
 * sharded pub/sub on a Cluster (`SPUBLISH`/`SSUBSCRIBE`, Redis 7, messages
 * as `smessage`): a channel then lives on the shard of its slot, and its
 * messages cross only that shard, instead of every node of the cluster.
 *
 * @example
 * const pubsub = RedisPubSub.of(subscriber, resolved.cluster);
 * await pubsub.subscribe(['switchyard:{room:lobby}']);
 */
export class RedisPubSub implements ChannelSubscriber {
  readonly #redis: Redis | Cluster;
  readonly #sharded: boolean;
  readonly batch: number;
  /** The event messages arrive as. */
  readonly messageEvent: 'message' | 'smessage';

  constructor(subscriber: Redis | Cluster, sharded: boolean) {
    this.#redis = subscriber;
    this.#sharded = sharded;
    this.batch = sharded ? 1 : SUBSCRIBE_BATCH;
    this.messageEvent = sharded ? 'smessage' : 'message';
  }

  get ready(): boolean {
    return this.#redis.status === 'ready';
  }

  subscribe(channels: readonly string[]): Promise<unknown> {
    return this.#sharded ? this.#redis.ssubscribe(...channels) : this.#redis.subscribe(...channels);
  }

  unsubscribe(channels: readonly string[]): Promise<unknown> {
    return this.#sharded ? this.#redis.sunsubscribe(...channels) : this.#redis.unsubscribe(...channels);
  }
}

/** Publishes on `channel`: `SPUBLISH` on a Cluster, `PUBLISH` on one Redis. */
export function publishOn(publisher: Redis | Cluster, sharded: boolean, channel: string, message: string): Promise<unknown> {
  return sharded ? publisher.spublish(channel, message) : publisher.publish(channel, message);
}
