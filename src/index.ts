import 'reflect-metadata';

export { Switchyard } from './switchyard.js';
export type { SwitchyardOptions } from './switchyard-options.js';
export { Tokens } from './tokens.js';

export { jwtAuthenticator } from './auth/jwt-authenticator.js';
export type { JwtAuthenticator, JwtAuthenticatorOptions } from './auth/jwt-authenticator.js';
export { bearerToken, TOKEN_PROTOCOL_PREFIX } from './auth/bearer-token.js';
export { reauthHandler } from './auth/session-reauth.js';
export { requires } from './auth/requires.js';
export type { AuthorizationPredicate, RequiresOptions } from './auth/requires.js';

export { defineCommand } from './protocol/define-command.js';
export type { AnyCommand, CommandDefinition, CommandSpec, InputOf, PayloadOf, ResultOf } from './protocol/define-command.js';
export { typed } from './protocol/typed.js';
export type { Typed } from './protocol/typed.js';
export { CommandBus } from './commands/command-bus.js';
export type { CommandBusDeps } from './commands/command-bus.js';
export type { CommandContext } from './commands/command-context.js';
export type { CommandHandler, Handler, HandlerClass, HandlerFunction } from './commands/command-handler.js';
export type { Middleware, MiddlewareContext } from './commands/middleware.js';
export type { Identity } from './protocol/identity.js';
export type { Session } from './commands/session.js';
export type { InboundCommand } from './commands/inbound-command.js';
export type { ErrorReply, EventFrame, Reply, ResultReply, ServerFrame, WireError } from './protocol/frames.js';
export { CloseCode, CommandError, ErrorCode, SetupError, SetupErrorCode, SwitchyardError } from './protocol/errors.js';
export type { ErrorDetail } from './protocol/errors.js';

export { defineEvent } from './protocol/define-event.js';
export type { EventDefinition, EventPayloadOf } from './protocol/define-event.js';
export { to } from './events/audience.js';
export type { Audience, AudienceBuilder } from './events/audience.js';
export type { EventEnvelope } from './events/event-envelope.js';
export type { PublishOptions } from './events/publish-options.js';
export { EventPublisher } from './events/event-publisher.js';
export type { Backplane } from './events/backplane.js';
export { MemoryBackplane } from './events/memory-backplane.js';
export { Presence } from './events/presence.js';
export type { PresenceEntry } from './events/presence.js';
export { MemoryPresence } from './events/memory-presence.js';
export { SessionConnected, SessionDraining } from './protocol/session-events.js';
export { SessionReauth } from './protocol/session-commands.js';
export type { ClosedSession } from './session/closed-session.js';

export { DEFAULT_DRAIN_DEADLINE_MS } from './transport/transport.js';
export type { DrainOptions, Transport, TransportContext } from './transport/transport.js';
export { resolveHubOptions } from './session/hub-options.js';
export type { AddressBudgetOptions, BudgetOptions, HubOptions, RateLimitOptions, RateOptions, ResolvedHubOptions, UserBudgetOptions } from './session/hub-options.js';
export type { Codec, DecodedCommand, RejectedFrame } from './protocol/codec.js';
export { jsonCodec, MAX_ID_LENGTH } from './transport/codecs/json-codec.js';
export { jsonRpcCodec, JsonRpcErrorCode } from './transport/codecs/json-rpc-codec.js';
export { WebSocketTransport } from './transport/websocket/websocket-transport.js';
export type { AuthenticateContext, WebSocketTransportOptions } from './transport/websocket/websocket-options.js';
export { FRAMES_PER_TURN } from './transport/websocket/ws-socket.js';
