/**
 * `switchyard/contract`: what a server and its clients share. Command and
 * event definitions, the frame types, the error and close codes. Safe in a
 * browser bundle: nothing here imports Node or the server.
 */
export { defineCommand } from './protocol/define-command.js';
export type { AnyCommand, CommandDefinition, CommandSpec, InputOf, PayloadOf, ResultOf } from './protocol/define-command.js';
export { defineEvent } from './protocol/define-event.js';
export type { EventDefinition, EventPayloadOf } from './protocol/define-event.js';
export { typed } from './protocol/typed.js';
export type { Typed } from './protocol/typed.js';
export type { Identity } from './protocol/identity.js';
export type { ErrorReply, EventFrame, Reply, RequestFrame, ResultReply, ServerFrame, WireError } from './protocol/frames.js';
export type { CommandMeta } from './protocol/command-meta.js';
export { CloseCode, CommandError, ErrorCode, SwitchyardError } from './protocol/errors.js';
export type { ErrorDetail } from './protocol/errors.js';
export { SessionConnected, SessionDraining, SessionResumed } from './protocol/session-events.js';
export { SessionReauth } from './protocol/session-commands.js';
export { SessionResume } from './protocol/session-resume.js';
export type { EventPosition, ResumeGrant, SessionResumePayload, SessionResumeResult } from './protocol/session-resume.js';
export { RoomJoined, RoomLeft } from './protocol/room-events.js';
export type { RoomMember } from './protocol/room-events.js';
