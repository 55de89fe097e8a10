import type { Identity } from '../protocol/identity.js';
import type { ClientError } from './client-errors.js';

/**
 * Where the client's connection stands: `connecting` until the first
 * connection opens, `open` while one is, `reconnecting` between a drop and
 * the next open connection, `closed` for good (after `close()`, a refused
 * credential, or when reconnection gives up).
 *
 * @example
 * client.onStateChange((state) => (statusBadge.textContent = state));
 */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * What a state listener learns besides the new state.
 *
 * @example
 * client.onStateChange((state, { error }) => {
 *   if (error?.code === ClientErrorCode.UNAUTHORIZED && state === 'closed') showSignIn();
 * });
 */
export interface StateChange {
  /** The state before this change. */
  readonly previous: ClientState;
  /**
   * Why, when something went wrong: the refusal or close that caused this
   * change (`UNAUTHORIZED`, `SESSION_EXPIRED`, `TOKEN_UNAVAILABLE`,
   * `POLICY_VIOLATION`, `TRY_AGAIN_LATER`), or `CLIENT_CLOSED` when
   * reconnection gave up. `undefined` for an ordinary change: an open, a
   * network drop, a server restart, `close()`.
   */
  readonly error: ClientError | undefined;
}

/**
 * What the server said about this connection in `session.connected`.
 *
 * @example
 * const { connectionId, user } = await client.ready();
 */
export interface ClientSession {
  /** The session's connection id; after a resumed session, the id of the session it resumed. */
  readonly connectionId: string;
  readonly user: Identity | null;
  /** The resume grant, when the server has recovery on (protocol v1.1); the client resumes by itself. */
  readonly resume?: { readonly token: string; readonly ttlMs: number };
}

/**
 * Per-request options.
 *
 * @example
 * await client.request(Search, { q }, { timeoutMs: 2000 });
 */
export interface RequestOptions {
  /** Overrides the client's `requestTimeoutMs` for this request. */
  readonly timeoutMs?: number;
}

/**
 * What `request` takes after the command: the payload, which may be left out
 * when the command's input accepts `undefined` (`typed<void>()`,
 * `z.void()`, `z.object({...}).optional()`), then per-request options.
 *
 * @example
 * const Ping = defineCommand('ping', { payload: typed<void>(), result: typed<'pong'>() });
 * await client.request(Ping);
 */
export type RequestArgs<I> = undefined extends I ? [payload?: I, options?: RequestOptions] : [payload: I, options?: RequestOptions];

/**
 * What `send` takes after the command: the payload, optional exactly when the command's input accepts `undefined`.
 *
 * @example
 * await client.send(Ping);
 */
export type SendArgs<I> = undefined extends I ? [payload?: I] : [payload: I];

/**
 * Per-listener options.
 *
 * @example
 * client.on('chat.message', show, { signal: controller.signal });
 */
export interface ListenerOptions {
  /** Removes the listener when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * What answers one type of request from the server (`client.handle`): the
 * request's payload in, its result out, at once or as a promise.
 *
 * @example
 * const answer: Answerer<{ room: string }, { messages: string[] }> = ({ room }) => ({ messages: recent(room) });
 */
export type Answerer<I, R> = (payload: I) => R | Promise<R>;
