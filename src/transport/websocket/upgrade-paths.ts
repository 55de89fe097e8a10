import type { Server } from 'node:http';

/**
 * The path each WebSocket transport's `upgrade` listener serves, so that the
 * transports sharing one server can tell an upgrade none of them serves
 * from one the application's own listener may.
 */
const pathOfListener = new WeakMap<object, string>();

/** Records that `listener` serves upgrades for `path`. */
export function servesUpgrades(listener: object, path: string): void {
  pathOfListener.set(listener, path);
}

/**
 * Whether `listener` should refuse an upgrade for `path` with 404: only when
 * every upgrade listener of the server is a transport's, none serves the path,
 * and `listener` is the last of them (so one answers, once). An application
 * with an `upgrade` listener of its own keeps every other path to itself.
 */
export function answersStrayUpgrade(server: Server, listener: object, path: string): boolean {
  const listeners = server.listeners('upgrade');
  if (listeners.at(-1) !== listener) return false;
  return listeners.every((candidate) => {
    const served = pathOfListener.get(candidate);
    return served !== undefined && served !== path;
  });
}
