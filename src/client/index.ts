/**
 * The typed client, published as `switchyard/client`. Everything except
 * `observeEvent` (which needs RxJS) runs in browsers without a bundler.
 */
export { SwitchyardClient } from './switchyard-client.js';
export type { Answerer, ClientSession, ClientState, ListenerOptions, RequestArgs, RequestOptions, SendArgs, StateChange } from './client-types.js';
export { resolveClientOptions } from './client-options.js';
export type { ClientOptions, ResolvedClientOptions } from './client-options.js';
export { ClientError, ClientErrorCode, ServerError } from './client-errors.js';
export { CLIENT_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from './connect-attempts.js';
export type { TokenProvider, TokenRequest } from './connect-attempts.js';
export { ClientCloseCode } from './connection-failure.js';
export { defaultReconnectPolicy, reconnectDelay, resolveReconnectPolicy } from './reconnect-policy.js';
export type { ReconnectPolicy } from './reconnect-policy.js';
export type { WebSocketConstructor, WebSocketLike } from './web-socket-like.js';
export type { CommandNamed, CommandRef, CommandsIn, EventNamed, EventPayloadFor, EventRef, EventsIn, InputFor, ResultFor } from './contract-types.js';
export { observeEvent } from './observe-event.js';
