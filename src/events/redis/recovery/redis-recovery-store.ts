import type { Cluster, Redis } from 'ioredis';
import { SetupError, SetupErrorCode } from '../../../protocol/errors.js';
import type { RecoverySettings, RecoveryStore, RecoveryStoreFactory } from '../../recovery/recovery-store.js';
import type { TakeoverChannel } from '../../recovery/takeover-channel.js';
import { MessageSignature } from '../message-signature.js';
import { closeRedis, openRedisLink } from '../redis-connection.js';
import { resolveRedisOptions, type RedisScaleOutOptions } from '../redis-options.js';
import { RedisHistory } from './redis-history.js';
import { RedisReplyCache } from './redis-reply-cache.js';
import { RedisSessionStore } from './redis-session-store.js';

/** How long a retry waits at most for the reply of a first run still going on another node. */
const REPLY_WAIT_MS = 30_000;

/** A recovery store factory on Redis, that can also say when its connections are up. */
export interface RedisRecoveryStoreFactory extends RecoveryStoreFactory {
  /** Resolves once the store built by the application can serve (both connections up, channels subscribed). */
  ready(): Promise<void>;
  /** The store the application built, once it has. */
  readonly store: RecoveryStore | undefined;
}

/**
 * Recovery on Redis, so a client resumes on any node: event history in
 * Redis Streams, session records and tokens, and the replies of once-only
 * commands, all under `keyPrefix`, each stream's and each session's keys
 * sharing one hash tag. Pass it the same options as the Redis backplane
 * (the same `keyPrefix` and `signingKey`). It opens two connections of its
 * own; the application closes them when it closes.
 *
 * @example
 * const scaleOut = createRedisScaleOut({ url });
 * const store = redisRecoveryStore({ url });
 * const app = new Switchyard({ backplane: scaleOut.backplane, presence: scaleOut.presence, recovery: { store } });
 * await Promise.all([scaleOut.ready(), store.ready()]);
 */
export function redisRecoveryStore(options: RedisScaleOutOptions): RedisRecoveryStoreFactory {
  const redisOptions = resolveRedisOptions(options);
  let built: (RecoveryStore & { ready(): Promise<void> }) | undefined;
  let whenBuilt: () => void = () => {};
  const isBuilt = new Promise<void>((resolve) => (whenBuilt = resolve));
  const factory = (settings: RecoverySettings): RecoveryStore => {
    if (built !== undefined) throw new SetupError(SetupErrorCode.ALREADY_STARTED, 'a redisRecoveryStore() serves one application: call it once per application');
    built = build(settings);
    whenBuilt();
    return built;
  };
  // defineProperties, not Object.assign: assign would read the getter once, now, while nothing is built yet.
  return Object.defineProperties(factory, {
    ready: {
      value: async (): Promise<void> => {
        await isBuilt;
        await (built as { ready(): Promise<void> }).ready();
      },
    },
    store: { get: () => built },
  }) as RedisRecoveryStoreFactory;

  function build(settings: RecoverySettings): RecoveryStore & { ready(): Promise<void> } {
    const logger = redisOptions.logger.child({ component: 'redis-recovery' });
    const reportError = (error: unknown): void => logger.warn({ err: error }, 'recovery could not reach Redis');
    // On a Redis Cluster, each script runs on the shard of its keys' hash tag (a stream, its meta and its channel share one).
    const redis = openRedisLink(redisOptions, 'recovery');
    const subscriber = openRedisLink(redisOptions, 'recovery-sub');
    for (const connection of [redis, subscriber]) connection.on('error', (error: unknown) => logger.debug({ err: error }, 'redis connection error'));
    const prefix = redisOptions.keyPrefix;
    const signature = redisOptions.signingKey === undefined ? undefined : new MessageSignature(redisOptions.signingKey);
    const history = new RedisHistory({
      redis,
      keyPrefix: prefix,
      nodeId: redisOptions.nodeId,
      signature,
      limits: settings.history,
      keepMs: settings.history.maxAgeMs + settings.ttlMs,
      reportError,
    });
    const sessions = new RedisSessionStore({ redis, keyPrefix: prefix, ttlMs: settings.ttlMs, reportError });
    const replies = new RedisReplyCache({ redis, keyPrefix: prefix, ttlMs: settings.ttlMs, maxPerSession: settings.maxRepliesPerSession, waitMs: REPLY_WAIT_MS, reportError });
    const recordedChannel = RedisHistory.channelOf(prefix);
    const takeoverChannel = `${prefix}takeover`;
    const takeoverListeners = new Set<(sessionId: string) => void>();
    const takeovers: TakeoverChannel = {
      announce: (sessionId) => void redis.publish(takeoverChannel, `${redisOptions.nodeId} ${sessionId}`).catch(reportError),
      listen: (listener) => {
        takeoverListeners.add(listener);
        return () => takeoverListeners.delete(listener);
      },
    };
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === recordedChannel) return history.receive(message);
      if (channel !== takeoverChannel) return;
      const space = message.indexOf(' ');
      if (space < 0 || message.slice(0, space) === redisOptions.nodeId) return;
      for (const listener of takeoverListeners) listener(message.slice(space + 1));
    });
    let subscribed: Promise<unknown> | undefined;
    const subscribe = (): Promise<unknown> => (subscribed = subscriber.subscribe(recordedChannel, takeoverChannel));
    subscriber.on('ready', () => void subscribe().catch(reportError));
    let closing: Promise<void> | undefined;
    return {
      history,
      sessions,
      replies,
      takeovers,
      async ready(): Promise<void> {
        await Promise.all([whenReady(redis), whenReady(subscriber)]);
        await (subscribed ?? subscribe());
      },
      close: () =>
        (closing ??= (async () => {
          await Promise.all([history.close(), sessions.close(), replies.close()]);
          await Promise.all([closeRedis(redis), closeRedis(subscriber)]);
        })()),
    };
  }
}

function whenReady(redis: Redis | Cluster): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => redis.once('ready', () => resolve()));
}
