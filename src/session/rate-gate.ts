import { CommandError, ErrorCode } from '../protocol/errors.js';
import { ClientBudgets } from './client-budgets.js';
import type { Connection } from './connection.js';
import type { ResolvedHubOptions } from './hub-options.js';
import { SlidingCount } from './sliding-count.js';
import { TokenBucket } from './token-bucket.js';

/** What {@link RateGate.strike} decided about a connection that was refused. */
export type Strike = 'answer' | 'close';

/**
 * The rates a connection's commands are charged to, in the order a frame
 * meets them, all before it is decoded: the connection's own rate limit,
 * then its user's and its address's command budgets. A connection refused
 * more than `closeAfter` times within `closeWindowMs` is past answering: it
 * stays over its limit however often it is told, and is closed. Also keeps
 * the budget of events a connection's commands may publish.
 *
 * @example
 * const refused = gate.admit(connection, performance.now());
 * if (refused !== undefined && gate.strike(connection, now) === 'close') connection.close(1008, 'rate limit exceeded');
 */
export class RateGate {
  /** What each address and user holds and sends; transports ask it before they open a connection. */
  readonly budgets: ClientBudgets;
  readonly #limits: ResolvedHubOptions;

  constructor(limits: ResolvedHubOptions) {
    this.#limits = limits;
    this.budgets = new ClientBudgets(limits.perAddress, limits.perUser);
  }

  /** Charges one inbound frame. Returns why it is refused, or `undefined` when it may be decoded. */
  admit(connection: Connection, now: number): string | undefined {
    const rateLimit = this.#limits.rateLimit;
    if (rateLimit !== false) {
      const bucket = (connection.bucket ??= new TokenBucket(rateLimit.burst, rateLimit.perSecond, now));
      if (!bucket.take(now)) return 'too many commands; slow down';
    }
    const lease = connection.lease;
    return lease === undefined ? undefined : this.budgets.takeCommand(lease, now);
  }

  /**
   * Counts a refusal in the connection's sliding window: `'close'` once it
   * holds more than `closeAfter`, else `'answer'`. The first `'close'` is logged.
   */
  strike(connection: Connection, now: number): Strike {
    const rateLimit = this.#limits.rateLimit;
    if (rateLimit === false) return 'answer';
    const count = (connection.refusals ??= new SlidingCount(rateLimit.closeWindowMs, now)).add(now);
    if (count <= rateLimit.closeAfter) return 'answer';
    if (count - 1 <= rateLimit.closeAfter) {
      connection.log.warn({ refused: Math.round(count), windowMs: rateLimit.closeWindowMs }, 'closing: over the rate limit for too long');
    }
    return 'close';
  }

  /** Charges one event a connection's command publishes; throws `RATE_LIMITED` past its publish budget. */
  chargePublish(connection: Connection, now: number): void {
    const rate = this.#limits.publishRate;
    if (rate === false) return;
    if ((connection.publishes ??= new TokenBucket(rate.burst, rate.perSecond, now)).take(now)) return;
    throw new CommandError(ErrorCode.RATE_LIMITED, `this connection's commands published more than ${rate.perSecond} events per second; slow down`);
  }
}
