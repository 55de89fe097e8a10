import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Identity } from '../../protocol/identity.js';
import type { ResolvedWebSocketOptions } from './websocket-options.js';

/** How an upgrade's authentication ended. */
export type AuthenticateOutcome =
  /** `authenticate` answered: the identity, or `undefined` for an anonymous connection. */
  | { readonly kind: 'identified'; readonly user: Identity | undefined }
  /** `authenticate` threw or rejected: the credentials were refused. */
  | { readonly kind: 'refused'; readonly error: unknown }
  /** `authenticate` did not answer within `authenticateTimeoutMs`. */
  | { readonly kind: 'timed-out' }
  /** The client closed its connection first. */
  | { readonly kind: 'gone' };

/**
 * Runs the transport's `authenticate` for one upgrade, bounded: it gets an
 * `AbortSignal` that aborts when the client closes its connection or when
 * `authenticateTimeoutMs` passes, and either ends the wait at once, whether
 * or not `authenticate` heeds the signal, so a slow or stuck authenticator
 * never holds a connection slot for a client that has gone.
 *
 * @example
 * const outcome = await authenticateUpgrade(options, request, socket);
 * if (outcome.kind === 'timed-out') rejectHandshake(socket, 503, 'Service Unavailable');
 */
export async function authenticateUpgrade(
  options: Pick<ResolvedWebSocketOptions, 'authenticate' | 'authenticateTimeoutMs'>,
  request: IncomingMessage,
  socket: Duplex,
): Promise<AuthenticateOutcome> {
  // It may have left before the upgrade reached us: its 'close' is already past.
  if (socket.destroyed) return GONE;
  const controller = new AbortController();
  const { signal } = controller;
  let ended: AuthenticateOutcome | undefined;
  let stop: (outcome: AuthenticateOutcome) => void = () => {};
  const stopped = new Promise<AuthenticateOutcome>((resolve) => (stop = resolve));
  const end = (outcome: AuthenticateOutcome, reason: Error): void => {
    if (ended !== undefined) return;
    ended = outcome;
    controller.abort(reason);
    stop(outcome);
  };
  const onGone = (): void => end(GONE, new Error('the client closed the connection'));
  const timeoutMs = options.authenticateTimeoutMs;
  const timer = setTimeout(() => end(TIMED_OUT, new Error(`authenticate() did not answer within ${timeoutMs} ms`)), timeoutMs);
  socket.once('close', onGone);
  socket.once('end', onGone);
  try {
    let pending: Promise<Identity | undefined>;
    try {
      pending = Promise.resolve(options.authenticate(request, { signal }));
    } catch (error) {
      return { kind: 'refused', error };
    }
    // Once the wait is over its outcome is of no use, but a late rejection must not go unhandled.
    pending.catch(ignore);
    const answered = pending.then(
      (user): AuthenticateOutcome => ({ kind: 'identified', user }),
      (error: unknown): AuthenticateOutcome => ({ kind: 'refused', error }),
    );
    const outcome = await Promise.race([answered, stopped]);
    // An authenticator that heeded the signal rejects: that is the abort's outcome, not a refusal.
    return ended ?? outcome;
  } finally {
    clearTimeout(timer);
    socket.off('close', onGone);
    socket.off('end', onGone);
  }
}

const GONE: AuthenticateOutcome = Object.freeze({ kind: 'gone' });
const TIMED_OUT: AuthenticateOutcome = Object.freeze({ kind: 'timed-out' });

function ignore(): void {}
