import type { EventDefinition } from '../define-event.js';
import type { AnyCommand } from '../define-command.js';
import { SessionReauth } from '../session-commands.js';
import { SessionConnected, SessionDraining, SessionResumed } from '../session-events.js';
import { SessionResume } from '../session-resume.js';
import type { JsonSchema } from './to-json-schema.js';

const identity: JsonSchema = {
  type: 'object',
  description: 'Who is on the other end, as authentication established it; further claims as the authenticator found them.',
  required: ['id'],
  properties: {
    id: { type: 'string', description: 'Stable user id, shared by every session of this user.' },
    roles: { type: 'array', items: { type: 'string' } },
  },
};

const grant: JsonSchema = {
  type: 'object',
  description: 'Resumes this session after its connection drops (recovery on); the token is spent once used.',
  required: ['token', 'ttlMs'],
  properties: { token: { type: 'string' }, ttlMs: { type: 'integer', minimum: 0, description: 'How long after the connection drops the token can be used, in ms.' } },
};

const resumeResult: JsonSchema = {
  type: 'object',
  required: ['recovered', 'rooms', 'replayed', 'resume'],
  properties: {
    recovered: { type: 'boolean', description: 'false: nothing was restored (token expired, unknown, spent, of another user, or history that no longer reaches a position); resync.' },
    rooms: { type: 'array', items: { type: 'string' }, description: 'The rooms restored.' },
    replayed: { type: 'integer', minimum: 0, description: 'Missed events sent again before this answer.' },
    resume: grant,
  },
};

/** What the contract says of a built-in definition, whose types are declared with `typed<T>()`. */
export interface BuiltinSchemas {
  readonly summary: string;
  readonly payload: JsonSchema;
  readonly result?: JsonSchema;
}

/**
 * The built-in commands and events carry no run-time schema (they are
 * `typed<T>()`, to keep the protocol layer free of a schema library), so
 * their JSON Schemas are written here, beside the types they mirror.
 *
 * @example
 * builtinSchemas.get(SessionDraining)?.payload; // { type: 'object', required: ['retryAfterMs'], ... }
 */
export const builtinSchemas: ReadonlyMap<AnyCommand | EventDefinition, BuiltinSchemas> = new Map<AnyCommand | EventDefinition, BuiltinSchemas>([
  [
    SessionConnected,
    {
      summary: 'The first frame on every connection: its id, and who it is.',
      payload: {
        type: 'object',
        required: ['connectionId', 'user'],
        properties: {
          connectionId: { type: 'string' },
          user: { oneOf: [identity, { type: 'null', description: 'An anonymous connection.' }] },
          sessionToken: { type: 'string', description: 'HTTP event streams only: the `Switchyard-Session` header value that makes a posted command act as this session.' },
          resume: grant,
        },
      },
    },
  ],
  [
    SessionDraining,
    {
      summary: 'The node is shutting down: reconnect after `retryAfterMs`. Replies to commands already sent still arrive; the socket then closes with 1001.',
      payload: {
        type: 'object',
        required: ['retryAfterMs'],
        properties: { retryAfterMs: { type: 'integer', minimum: 0, description: 'A per-connection random delay within the drain deadline.' } },
      },
    },
  ],
  [
    SessionResume,
    {
      summary: 'Resumes a session whose connection dropped (recovery on): the first command on the new connection. The missed events come before the result.',
      payload: {
        type: 'object',
        required: ['token'],
        properties: {
          token: { type: 'string', description: 'The last resume token received.' },
          positions: { type: 'object', additionalProperties: { type: 'string' }, description: 'The last `pos` seen, per stream.' },
        },
      },
      result: resumeResult,
    },
  ],
  [
    SessionResumed,
    {
      summary: 'HTTP event streams reopened with `Last-Event-ID` (recovery on): how resuming the session it names went, after the replayed events.',
      payload: resumeResult,
    },
  ],
  [
    SessionReauth,
    {
      summary: 'Refreshes the connection\'s token in place. A token for another user is `FORBIDDEN`, a bad one `UNAUTHORIZED`.',
      payload: { type: 'object', required: ['token'], properties: { token: { type: 'string', minLength: 1 } } },
      result: {
        type: 'object',
        required: ['user', 'expiresAt'],
        properties: {
          user: identity,
          expiresAt: { type: ['integer', 'null'], description: 'The new token\'s `exp` (seconds since the epoch), or null when it has none.' },
        },
      },
    },
  ],
]);
