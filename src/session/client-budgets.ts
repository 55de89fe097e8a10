import { isIPv4, isIPv6 } from 'node:net';
import type { ResolvedAddressBudget, ResolvedBudget, ResolvedRate } from './hub-options.js';
import { TokenBucket } from './token-bucket.js';

/** How often idle entries are looked for, at most, in ms. */
const SWEEP_INTERVAL_MS = 10_000;

/** What one address or one user holds now, and the buckets it draws on. */
class Entry {
  readonly key: string;
  /** Open connections. */
  connections = 0;
  connects: TokenBucket | undefined;
  commands: TokenBucket | undefined;

  constructor(key: string) {
    this.key = key;
  }

  /** Nothing open and every bucket full again: forgetting it loses nothing. */
  idle(now: number): boolean {
    return this.connections === 0 && (this.connects?.full(now) ?? true) && (this.commands?.full(now) ?? true);
  }
}

/**
 * What one connection holds of its address's and its user's budgets; it
 * gives them back once, on {@link release}.
 *
 * @example
 * ws.once('close', () => lease.release());
 */
export class ClientLease {
  /** @internal The address's entry while the lease holds a connection of it. */
  address: Entry | undefined;
  /** @internal The user's entry while the lease holds a connection of it. */
  user: Entry | undefined;
  readonly #budgets: ClientBudgets | undefined;

  constructor(budgets?: ClientBudgets) {
    this.#budgets = budgets;
  }

  /** Gives back what it holds. Idempotent. */
  release(): void {
    this.#budgets?.release(this);
  }
}

/** The outcome of asking for a budget: a lease, or why not. */
export type BudgetAdmission =
  | { readonly ok: true; readonly lease: ClientLease }
  | { readonly ok: false; readonly reason: string; readonly retryAfterMs: number | undefined };

// Shared by every connection when no budget applies: there is nothing to give back.
const noLease = new ClientLease();

/**
 * The budgets one client shares among its connections, where the
 * per-connection limits cannot see it: connections open at once and
 * commands per second per remote address and per user, new connections per
 * second per address (which bounds connect/close loops). Entries are made on first use
 * and forgotten once nothing is open and their buckets have refilled, so
 * memory follows the clients of the last few seconds.
 *
 * @example
 * const admission = budgets.admit(request.socket);
 * if (!admission.ok) return refuse(429, admission.reason);
 * connection.lease = admission.lease;
 */
export class ClientBudgets {
  readonly #perAddress: ResolvedAddressBudget | false;
  readonly #perUser: ResolvedBudget | false;
  readonly #addresses = new Map<string, Entry>();
  readonly #users = new Map<string, Entry>();
  #sweptAt = performance.now();

  constructor(perAddress: ResolvedAddressBudget | false, perUser: ResolvedBudget | false) {
    this.#perAddress = perAddress;
    this.#perUser = perUser;
  }

  /** Connections one address may hold open, or `undefined` when addresses have no budget. */
  get maxConnectionsPerAddress(): number | undefined {
    return this.#perAddress === false ? undefined : this.#perAddress.maxConnections;
  }

  /**
   * Asks the address's budget for one more connection from `peer` (a TCP
   * socket): its count, then its connect rate. The address is read only when
   * addresses have a budget (Node keeps it on the socket once read).
   */
  admit(peer: { readonly remoteAddress?: string | undefined }, now = performance.now()): BudgetAdmission {
    this.#sweep(now);
    const budget = this.#perAddress;
    const key = budget === false ? undefined : addressKey(peer.remoteAddress);
    if (budget === false || key === undefined) return { ok: true, lease: this.#perUser === false ? noLease : new ClientLease(this) };
    const entry = this.#entry(this.#addresses, key);
    if (entry.connections >= budget.maxConnections) {
      return { ok: false, reason: `too many connections from this address (at most ${budget.maxConnections})`, retryAfterMs: undefined };
    }
    if (budget.connectRate !== false) {
      const connects = (entry.connects ??= bucket(budget.connectRate, now));
      if (!connects.take(now)) return { ok: false, reason: 'too many new connections from this address; retry later', retryAfterMs: connects.waitMs(now) };
    }
    entry.connections++;
    const lease = new ClientLease(this);
    lease.address = entry;
    return { ok: true, lease };
  }

  /** Asks the user's budget for the connection holding `lease`; on refusal the lease is unchanged. */
  identify(lease: ClientLease, userId: string | undefined): BudgetAdmission {
    const budget = this.#perUser;
    if (budget === false || userId === undefined || lease === noLease || lease.user !== undefined) return { ok: true, lease };
    const entry = this.#entry(this.#users, userId);
    if (entry.connections >= budget.maxConnections) {
      this.#forgetIfIdle(this.#users, entry, performance.now());
      return { ok: false, reason: `too many connections for this user (at most ${budget.maxConnections})`, retryAfterMs: undefined };
    }
    entry.connections++;
    lease.user = entry;
    return { ok: true, lease };
  }

  /**
   * Charges one command to the lease's user and address. Returns why it is
   * refused, or `undefined` when it may run.
   */
  takeCommand(lease: ClientLease, now: number): string | undefined {
    const { user, address } = lease;
    if (user !== undefined && this.#perUser !== false && this.#perUser.commandRate !== false) {
      if (!(user.commands ??= bucket(this.#perUser.commandRate, now)).take(now)) return 'too many commands from this user; slow down';
    }
    if (address !== undefined && this.#perAddress !== false && this.#perAddress.commandRate !== false) {
      if (!(address.commands ??= bucket(this.#perAddress.commandRate, now)).take(now)) return 'too many commands from this address; slow down';
    }
    return undefined;
  }

  /** Gives back what a lease holds. Idempotent; `lease.release()` calls it. */
  release(lease: ClientLease): void {
    const now = performance.now();
    const { address, user } = lease;
    if (address !== undefined) {
      lease.address = undefined;
      address.connections--;
      this.#forgetIfIdle(this.#addresses, address, now);
    }
    if (user !== undefined) {
      lease.user = undefined;
      user.connections--;
      this.#forgetIfIdle(this.#users, user, now);
    }
  }

  #entry(map: Map<string, Entry>, key: string): Entry {
    let entry = map.get(key);
    if (entry === undefined) map.set(key, (entry = new Entry(key)));
    return entry;
  }

  #forgetIfIdle(map: Map<string, Entry>, entry: Entry, now: number): void {
    if (entry.idle(now) && map.get(entry.key) === entry) map.delete(entry.key);
  }

  #sweep(now: number): void {
    if (now - this.#sweptAt < SWEEP_INTERVAL_MS) return;
    this.#sweptAt = now;
    for (const map of [this.#addresses, this.#users]) {
      for (const entry of map.values()) if (entry.idle(now)) map.delete(entry.key);
    }
  }
}

function bucket(rate: ResolvedRate, now: number): TokenBucket {
  return new TokenBucket(rate.burst, rate.perSecond, now);
}

/**
 * The key an address is budgeted under: an IPv4 address as is (also when
 * mapped into IPv6), an IPv6 address by its /64 prefix, which one host or
 * one customer usually holds whole. `undefined` when there is no address
 * (the socket is already gone).
 *
 * @example
 * addressKey('::ffff:10.0.0.7'); // '10.0.0.7'
 * addressKey('2001:db8:1:2:aaaa::1'); // '2001:db8:1:2::/64'
 */
export function addressKey(address: string | undefined): string | undefined {
  if (address === undefined || address === '') return undefined;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && isIPv4(lower.slice(7))) return lower.slice(7);
  return `${expandIPv6(lower).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, without leading zeros. */
function expandIPv6(address: string): string[] {
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  const [head = '', tail] = bare.split('::', 2);
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return groups.map((group) => (group.includes('.') ? group : group.replace(/^0+(?=.)/, '')));
}
