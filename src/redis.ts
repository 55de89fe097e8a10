/**
 * `switchyard/redis`: the backplane and presence on Redis, for more than one
 * node. The only entry that loads `ioredis`.
 */
export { RedisBackplane } from './events/redis/redis-backplane.js';
export type { RedisBackplaneStats } from './events/redis/redis-backplane.js';
export { RedisPresence } from './events/redis/redis-presence.js';
export type { BackplaneRouting, RedisScaleOutOptions } from './events/redis/redis-options.js';
export { createRedisScaleOut, scaleOutFromEnv } from './events/redis/redis-scale-out.js';
export type { RedisScaleOut, ScaleOut } from './events/redis/redis-scale-out.js';
export { redisRecoveryStore } from './events/redis/recovery/redis-recovery-store.js';
export type { RedisRecoveryStoreFactory } from './events/redis/recovery/redis-recovery-store.js';
export { RedisHistory } from './events/redis/recovery/redis-history.js';
export { RedisSessionStore } from './events/redis/recovery/redis-session-store.js';
export { RedisReplyCache } from './events/redis/recovery/redis-reply-cache.js';
