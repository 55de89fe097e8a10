// The checks every transport's options share, so a wrong value reads the same
// whichever transport it was given to. Each throws a TypeError or RangeError naming the option.

/** Longest delay Node's timers take; a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** `server` (a shared server) and `port`/`host` (an own server) exclude each other. */
export function checkServerOrAddress(options: { readonly server?: unknown; readonly port?: number; readonly host?: string }): void {
  if (options.server !== undefined && (options.port !== undefined || options.host !== undefined)) {
    throw new TypeError('the "server" option cannot be combined with "port" or "host"');
  }
}

/** A TCP port, 0 for any free one. */
export function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError('"port" must be an integer from 0 to 65535');
}

/** A delay in ms a timer can wait: an integer from `min` to the longest Node takes. */
export function checkTimerMs(name: string, value: number, min: number, note = ''): void {
  if (!Number.isInteger(value) || value < min || value > MAX_TIMER_MS) throw new RangeError(`"${name}" must be an integer from ${min}${note} to ${MAX_TIMER_MS}`);
}

/** A count or size of at least 1. */
export function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`"${name}" must be a positive integer`);
}

/** The `authenticate` hook. */
export function checkAuthenticate(authenticate: unknown): void {
  if (typeof authenticate !== 'function') throw new TypeError('"authenticate" must be a function');
}
