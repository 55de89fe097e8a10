import { defineCommand } from './define-command.js';
import { typed } from './typed.js';

/**
 * What a session needs to be resumed after its socket drops (protocol v1.1):
 * an unguessable token bound to the session's user, and how long, in ms,
 * after the socket drops the session can still be resumed with it. Sent in
 * `session.connected` and in every `session.resume` result when the server
 * has recovery on; absent otherwise.
 *
 * @example
 * client.on(SessionConnected, ({ resume }) => { if (resume) saved = resume.token; });
 */
export interface ResumeGrant {
  readonly token: string;
  readonly ttlMs: number;
}

/**
 * Where an event sits in its stream's history: `stream` names the stream
 * (`room:<name>`, `user:<id>`, `connection:<id>`), `pos` is opaque to
 * clients. Event frames carry both when the event is kept in a history.
 *
 * @example
 * positions[frame.stream] = frame.pos;
 */
export interface EventPosition {
  readonly stream: string;
  readonly pos: string;
}

/** The payload of `session.resume`: the last token received, and the last `pos` seen per stream. */
export interface SessionResumePayload {
  readonly token: string;
  /** Last position seen, per stream name; a stream the client saw nothing of may be left out. @default {} */
  readonly positions?: Readonly<Record<string, string>>;
}

/**
 * The answer to `session.resume`. `recovered: true`: the identity, rooms and
 * connection id are those of the resumed session, and `replayed` missed
 * events were sent before this result. `recovered: false`: nothing was
 * restored (token expired, unknown, spent, of another user, or history that
 * no longer reaches a position); the client resyncs. Either way `resume`
 * is the token to use next time.
 */
export interface SessionResumeResult {
  readonly recovered: boolean;
  readonly rooms: readonly string[];
  readonly replayed: number;
  readonly resume: ResumeGrant;
}

/**
 * Resumes a session whose socket dropped (protocol v1.1): send it as the
 * first command on the new connection. Served only when the application has
 * recovery on. An expired or unknown session is `recovered: false`, never an error.
 *
 * @example
 * const { recovered } = await client.request(SessionResume, { token, positions });
 */
export const SessionResume = defineCommand('session.resume', {
  payload: typed<SessionResumePayload>(),
  result: typed<SessionResumeResult>(),
});
