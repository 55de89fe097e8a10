import type { Identity } from './identity.js';
import { typed } from './typed.js';
import { defineEvent } from './define-event.js';
import type { ResumeGrant, SessionResumeResult } from './session-resume.js';

/**
 * Sent to every new connection first: its id, and who it is. With recovery
 * on (protocol v1.1) it also carries `resume`, the token that resumes this
 * session after its socket drops. On an HTTP event stream it also carries
 * `sessionToken`, the value of the `Switchyard-Session` header that makes a
 * posted command act as this session.
 *
 * @example
 * client.on(SessionConnected, ({ connectionId }) => console.log('I am', connectionId));
 */
export const SessionConnected = defineEvent('session.connected', typed<{ connectionId: string; user: Identity | null; sessionToken?: string; resume?: ResumeGrant }>());

/**
 * Sent to every connection when the node starts draining for shutdown:
 * reconnect (the load balancer will pick another node) after `retryAfterMs`,
 * a per-connection random delay within the drain deadline, so a rolling
 * deploy does not send every client to the next node at the same instant.
 * Replies to commands already sent still arrive; the socket then closes with 1001.
 *
 * @example
 * client.on(SessionDraining, ({ retryAfterMs }) => setTimeout(reconnect, retryAfterMs));
 */
export const SessionDraining = defineEvent('session.draining', typed<{ retryAfterMs: number }>());


/**
 * Sent on an HTTP event stream opened with `Last-Event-ID` when recovery is
 * on: the outcome of resuming the session that ID names, as `session.resume`
 * answers it on a socket. It follows `session.connected` and the replayed
 * events; `recovered: false` means nothing was restored and the client resyncs.
 *
 * @example
 * source.addEventListener('session.resumed', (event) => { if (!JSON.parse(event.data).recovered) resync(); });
 */
export const SessionResumed = defineEvent('session.resumed', typed<SessionResumeResult>());
