import 'reflect-metadata';

export { Switchyard } from './switchyard.js';
export type { SwitchyardOptions } from './switchyard-options.js';
export { Tokens } from './tokens.js';

export { defineCommand } from './commands/define-command.js';
export type { AnyCommand, CommandDefinition, CommandSpec, InputOf, PayloadOf, ResultOf } from './commands/define-command.js';
export { typed } from './commands/typed.js';
export type { Typed } from './commands/typed.js';
export { CommandBus } from './commands/command-bus.js';
export type { CommandBusDeps } from './commands/command-bus.js';
export type { CommandContext } from './commands/command-context.js';
export type { CommandHandler, Handler, HandlerClass, HandlerFunction } from './commands/command-handler.js';
export type { Middleware, MiddlewareContext } from './commands/middleware.js';
export type { Identity } from './commands/identity.js';
export type { Session } from './commands/session.js';
export type { ErrorReply, InboundCommand, Reply, ResultReply, WireError } from './commands/reply.js';
export { CommandError, ErrorCode, SetupError, SetupErrorCode, SwitchyardError } from './commands/errors.js';
export type { ErrorDetail } from './commands/errors.js';

export { defineEvent } from './events/define-event.js';
export type { EventDefinition, EventPayloadOf } from './events/define-event.js';
export { to } from './events/audience.js';
export type { Audience, AudienceBuilder } from './events/audience.js';
export type { EventEnvelope } from './events/event-envelope.js';
export { EventPublisher } from './events/event-publisher.js';
export type { Backplane } from './events/backplane.js';
export { MemoryBackplane } from './events/memory-backplane.js';
export { Presence } from './events/presence.js';
export type { PresenceEntry } from './events/presence.js';
export { MemoryPresence } from './events/memory-presence.js';
export { SessionConnected } from './events/session-events.js';
export { RedisBackplane } from './events/redis/redis-backplane.js';
export { RedisPresence } from './events/redis/redis-presence.js';
export type { RedisScaleOutOptions } from './events/redis/redis-options.js';
export { createRedisScaleOut, scaleOutFromEnv } from './events/redis/redis-scale-out.js';
export type { RedisScaleOut, ScaleOut } from './events/redis/redis-scale-out.js';

export type { Transport, TransportContext } from './transport/transport.js';
export type { Codec, DecodedCommand, RejectedFrame } from './transport/codec.js';
export { jsonCodec, MAX_ID_LENGTH } from './transport/codecs/json-codec.js';
export { jsonRpcCodec, JsonRpcErrorCode } from './transport/codecs/json-rpc-codec.js';
export { WebSocketTransport } from './transport/websocket/websocket-transport.js';
export type { WebSocketTransportOptions } from './transport/websocket/websocket-options.js';
export { MemoryTransport } from './transport/memory/memory-transport.js';
export { MemoryClient, settle as settleReply } from './transport/memory/memory-client.js';
export { FrameInbox } from './transport/memory/frame-inbox.js';
export type { ServerFrame } from './transport/memory/frame-inbox.js';
