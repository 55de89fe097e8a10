import type { Backplane } from '../backplane.js';
import { MemoryBackplane } from '../memory-backplane.js';
import { MemoryPresence } from '../memory-presence.js';
import type { Presence } from '../presence.js';
import { RedisBackplane } from './redis-backplane.js';
import { RedisPresence } from './redis-presence.js';
import type { RedisScaleOutOptions } from './redis-options.js';

/** A backplane and a presence that belong together, with one lifecycle. */
export interface ScaleOut {
  readonly backplane: Backplane;
  readonly presence: Presence;
  /** Resolves once events cross nodes and this node's presence is recorded. */
  ready(): Promise<void>;
  /** Closes both; call it after `app.close()`, which leaves a backplane and presence it was given open. Idempotent. */
  close(): Promise<void>;
}

/** The Redis pair, typed as such. */
export interface RedisScaleOut extends ScaleOut {
  readonly backplane: RedisBackplane;
  readonly presence: RedisPresence;
}

/**
 * Builds a Redis backplane and a Redis presence sharing one node id.
 *
 * @example
 * const scaleOut = createRedisScaleOut({ url: 'redis://127.0.0.1:6379' });
 * await scaleOut.ready();
 * const app = new Switchyard({ backplane: scaleOut.backplane, presence: scaleOut.presence });
 * // on shutdown
 * await app.close();
 * await scaleOut.close();
 */
export function createRedisScaleOut(options: RedisScaleOutOptions): RedisScaleOut {
  const backplane = new RedisBackplane(options);
  const presence = new RedisPresence({ ...options, nodeId: backplane.nodeId });
  let closing: Promise<void> | undefined;
  return Object.freeze({
    backplane,
    presence,
    async ready(): Promise<void> {
      await Promise.all([backplane.ready(), presence.ready()]);
    },
    close(): Promise<void> {
      return (closing ??= Promise.all([presence.close(), backplane.close()]).then(() => undefined));
    },
  });
}

/**
 * Chooses from the environment: with `REDIS_URL` set, the Redis backplane
 * and presence on that URL; without it, the in-memory pair, so one node
 * needs no Redis at all.
 *
 * @example
 * const scaleOut = scaleOutFromEnv();
 * const app = new Switchyard({ backplane: scaleOut.backplane, presence: scaleOut.presence, logger });
 * await scaleOut.ready();
 */
export function scaleOutFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: Omit<RedisScaleOutOptions, 'url' | 'client'> = {},
): ScaleOut {
  const url = env['REDIS_URL'];
  if (url !== undefined && url !== '') return createRedisScaleOut({ ...options, url });
  const backplane = new MemoryBackplane();
  return Object.freeze({
    backplane,
    presence: new MemoryPresence(),
    async ready(): Promise<void> {},
    close: () => backplane.close(),
  });
}
