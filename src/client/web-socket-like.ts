/**
 * The part of the WHATWG `WebSocket` the client uses. The browser's
 * `WebSocket` and the `ws` package's `WebSocket` both fit, so the client
 * never imports either.
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: EventHandler<unknown> | null;
  onmessage: EventHandler<{ readonly data: unknown }> | null;
  onclose: EventHandler<{ readonly code: number; readonly reason: string }> | null;
  onerror: EventHandler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * A `WebSocket` class: `globalThis.WebSocket` in browsers, `ws`'s in Node.
 * The client passes the subprotocols to offer as the second argument.
 *
 * @example
 * import { WebSocket } from 'ws';
 * new SwitchyardClient({ url, WebSocket });
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** `readyState` of an open socket. */
export const OPEN = 1;

// Method syntax makes the parameter bivariant, so handlers typed for the browser's or ws's own event classes still fit.
type EventHandler<E> = { handle(event: E): void }['handle'];
