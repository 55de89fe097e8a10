import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Identity } from '../../protocol/identity.js';
import type { AuthenticateContext, ResolvedWebSocketOptions } from './websocket-options.js';

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
 * An `authenticate` that answers synchronously (the default, which lets
 * everyone in anonymously, or a check of a header) is answered synchronously:
 * the signal is made only if `authenticate` reads it, and the timer, the
 * listeners and the promises only if its answer is a promise, so a storm of
 * connections pays for none of them.
 *
 * @example
 * const outcome = authenticateUpgrade(options, request, socket);
 * if (outcome instanceof Promise) outcome.then(proceed); else proceed(outcome);
 */
export function authenticateUpgrade(
  options: Pick<ResolvedWebSocketOptions, 'authenticate' | 'authenticateTimeoutMs'>,
  request: IncomingMessage,
  socket: Duplex,
): AuthenticateOutcome | Promise<AuthenticateOutcome> {
  // It may have left before the upgrade reached us: its 'close' is already past.
  if (socket.destroyed) return GONE;
  const context = new LazySignal();
  let answer: Identity | undefined | PromiseLike<Identity | undefined>;
  try {
    answer = options.authenticate(request, context);
  } catch (error) {
    return { kind: 'refused', error };
  }
  if (!isThenable(answer)) return { kind: 'identified', user: answer };
  return waitForAnswer(options.authenticateTimeoutMs, Promise.resolve(answer), context, socket);
}

/** The context `authenticate` gets: its `signal` is made when first read, as most authenticators never read it. */
class LazySignal implements AuthenticateContext {
  #controller: AbortController | undefined;
  #reason: Error | undefined;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      // Read only after the wait was over: it is born aborted.
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Aborts the signal, now if it was asked for, or as it is made if it is asked for later. */
  abort(reason: Error): void {
    this.#reason ??= reason;
    this.#controller?.abort(reason);
  }
}

/** Waits for an asynchronous answer, up to the timeout, or until the client goes. */
async function waitForAnswer(timeoutMs: number, pending: Promise<Identity | undefined>, context: LazySignal, socket: Duplex): Promise<AuthenticateOutcome> {
  let ended: AuthenticateOutcome | undefined;
  let stop: (outcome: AuthenticateOutcome) => void = () => {};
  const stopped = new Promise<AuthenticateOutcome>((resolve) => (stop = resolve));
  const end = (outcome: AuthenticateOutcome, reason: Error): void => {
    if (ended !== undefined) return;
    ended = outcome;
    context.abort(reason);
    stop(outcome);
  };
  const onGone = (): void => end(GONE, new Error('the client closed the connection'));
  const timer = setTimeout(() => end(TIMED_OUT, new Error(`authenticate() did not answer within ${timeoutMs} ms`)), timeoutMs);
  socket.once('close', onGone);
  socket.once('end', onGone);
  // It may have gone while authenticate() ran, before the listeners were there.
  if (socket.destroyed) onGone();
  try {
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

function isThenable(value: unknown): value is PromiseLike<Identity | undefined> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

const GONE: AuthenticateOutcome = Object.freeze({ kind: 'gone' });
const TIMED_OUT: AuthenticateOutcome = Object.freeze({ kind: 'timed-out' });

function ignore(): void {}
