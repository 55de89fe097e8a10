import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RedisPresence } from '../../../src/redis.js';
import type { PresenceEntry } from '../../../src/index.js';
import { uniquePrefix, useRedis, type RedisServer } from '../../support/redis.js';
import { eventually, within } from '../../support/socket-harness.js';

// Its own redis-server: the property kills, restarts and freezes it.
const redis = await useRedis({ dedicated: true });

const HEARTBEAT_MS = 50;
const PRESENCE_TTL_MS = 200;
/** How long presence may take to match the truth once Redis is steady. */
const CONVERGENCE_BOUND_MS = 3000;
const NODES = [0, 1] as const;
const CONNECTIONS = [0, 1, 2, 3];
const ROOMS = ['r0', 'r1', 'r2'];
const USERS = ['u0', 'u1', 'u2'];

type Op =
  | { readonly kind: 'connect' | 'identify'; readonly node: 0 | 1; readonly conn: number; readonly user: string | undefined }
  | { readonly kind: 'join' | 'leave'; readonly node: 0 | 1; readonly conn: number; readonly room: string }
  | { readonly kind: 'disconnect'; readonly node: 0 | 1; readonly conn: number }
  /** A read from one node, as a handler does; readers are what deletes the entries of nodes they take for dead. */
  | { readonly kind: 'read'; readonly node: 0 | 1; readonly room: string }
  /** Waits until every change made so far has been answered by Redis or dropped. */
  | { readonly kind: 'settle' }
  /**
   * Lets `ms` go by before the next step. Part of the generated schedule, not a wait for a result:
   * it is what lets heartbeats, reconnections and expiries fall between the steps.
   */
  | { readonly kind: 'idle'; readonly ms: number }
  /** Kills Redis; it stays down, empty, until `start` (or the end of the run). */
  | { readonly kind: 'kill' }
  | { readonly kind: 'start' }
  /** Freezes Redis for `ms` (SIGSTOP, then SIGCONT): the fault has a duration, the run goes on meanwhile. */
  | { readonly kind: 'pause'; readonly ms: number };

const node = fc.constantFrom(...NODES);
const conn = fc.constantFrom(...CONNECTIONS);
const user = fc.option(fc.constantFrom(...USERS), { nil: undefined });
const room = fc.constantFrom(...ROOMS);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('connect' as const), node, conn, user }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('join' as const), node, conn, room }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('leave' as const), node, conn, room }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('disconnect' as const), node, conn }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('identify' as const), node, conn, user }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), node, room }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'settle' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('idle' as const), ms: fc.integer({ min: 1, max: 3 * HEARTBEAT_MS }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'kill' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'start' as const }) },
  // Up to three TTLs: long enough for liveness keys to expire and for heartbeats to pile up behind the pause.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 20, max: 3 * PRESENCE_TTL_MS }) }) },
);

/** Sequences that broke an earlier design, run first every time. */
const examples: Array<[Op[]]> = [
  // Found by this property against an earlier design, which lost u2's session for good.
  [
    [
      { kind: 'connect', node: 0, conn: 0, user: 'u2' },
      { kind: 'idle', ms: 12 },
      { kind: 'start' },
      { kind: 'connect', node: 1, conn: 2, user: 'u1' },
      { kind: 'pause', ms: 243 },
      { kind: 'leave', node: 1, conn: 1, room: 'r2' },
      { kind: 'identify', node: 0, conn: 1, user: 'u0' },
      { kind: 'join', node: 0, conn: 0, room: 'r1' },
      { kind: 'idle', ms: 20 },
      { kind: 'join', node: 0, conn: 1, room: 'r2' },
    ],
  ],
  // A write in flight when Redis died kept its caller waiting until Redis came back.
  [
    [
      { kind: 'connect', node: 1, conn: 0, user: 'u1' },
      { kind: 'idle', ms: 3 * HEARTBEAT_MS },
      { kind: 'pause', ms: PRESENCE_TTL_MS },
      { kind: 'join', node: 1, conn: 0, room: 'r2' },
      { kind: 'kill' },
      { kind: 'settle' },
      { kind: 'start' },
    ],
  ],
];

/** What one node's connections are, as its transport knows them: the truth presence must converge to. */
type Truth = Map<string, { userId: string | undefined; rooms: Set<string> }>;

class Run {
  readonly presences: RedisPresence[];
  readonly truths: Truth[] = NODES.map(() => new Map());
  readonly #server: RedisServer;
  readonly #writes: Array<Promise<void>> = [];
  readonly #resumes: Array<Promise<void>> = [];

  constructor(server: RedisServer, url: string) {
    this.#server = server;
    const keyPrefix = uniquePrefix('converge');
    this.presences = NODES.map(
      (index) => new RedisPresence({ url, keyPrefix, nodeId: `node-${index}`, heartbeatMs: HEARTBEAT_MS, presenceTtlMs: PRESENCE_TTL_MS, reconnectMaxDelayMs: 50 }),
    );
  }

  async apply(op: Op): Promise<void> {
    switch (op.kind) {
      case 'settle':
        return this.settle();
      case 'idle':
        return new Promise((resolve) => setTimeout(resolve, op.ms));
      case 'read':
        this.#writes.push(this.presences[op.node]!.members(op.room).then(noop, noop));
        return;
      case 'kill':
        return this.#server.stop();
      case 'start':
        if (!this.#server.running) await this.#server.restart();
        return;
      case 'pause': {
        if (!this.#server.running) return;
        this.#server.pause();
        const timer = (resolve: () => void): NodeJS.Timeout => setTimeout(() => (this.#server.resume(), resolve()), op.ms);
        this.#resumes.push(new Promise<void>((resolve) => timer(resolve)));
        return;
      }
    }
    const presence = this.presences[op.node]!;
    const truth = this.truths[op.node]!;
    const connectionId = `n${op.node}-c${op.conn}`;
    const session = truth.get(connectionId);
    // Only what a transport does: a connection is opened once, and joins, leaves, re-identifies or closes while open.
    switch (op.kind) {
      case 'connect':
        if (session !== undefined) return;
        truth.set(connectionId, { userId: op.user, rooms: new Set() });
        this.#writes.push(presence.connected({ connectionId, userId: op.user }));
        return;
      case 'join':
        if (session === undefined) return;
        session.rooms.add(op.room);
        this.#writes.push(presence.joined(op.room, { connectionId, userId: session.userId }));
        return;
      case 'leave':
        if (session === undefined) return;
        session.rooms.delete(op.room);
        this.#writes.push(presence.left(op.room, connectionId));
        return;
      case 'disconnect':
        if (session === undefined) return;
        truth.delete(connectionId);
        this.#writes.push(presence.disconnected(connectionId));
        return;
      case 'identify': {
        if (session === undefined) return;
        truth.set(connectionId, { userId: op.user, rooms: session.rooms });
        // What the connection hub does on a reauth, each call made before the previous one is answered:
        // chained on answers, two reauths in a row could finish in either order while Redis stalls.
        const entry = { connectionId, userId: op.user };
        this.#writes.push(presence.disconnected(connectionId), presence.connected(entry));
        for (const name of session.rooms) this.#writes.push(presence.joined(name, entry));
        return;
      }
    }
  }

  async settle(): Promise<void> {
    await within(Promise.all([...this.#writes, ...this.#resumes]), 10_000, 'presence writes to be answered or dropped');
  }

  /** Redis up and not frozen, every write answered. */
  async steady(): Promise<void> {
    await within(Promise.all(this.#resumes), 10_000, 'Redis to be resumed');
    if (!this.#server.running) await this.#server.restart();
    await this.settle();
  }

  expectedMembers(room: string): PresenceEntry[] {
    return sorted(this.truths.flatMap((truth) => [...truth].filter(([, s]) => s.rooms.has(room)).map(([connectionId, s]) => ({ connectionId, userId: s.userId }))));
  }

  expectedSessions(userId: string): PresenceEntry[] {
    return sorted(this.truths.flatMap((truth) => [...truth].filter(([, s]) => s.userId === userId).map(([connectionId]) => ({ connectionId, userId }))));
  }

  /** The first difference between what some node reads and the truth, or `undefined` when every node reads the truth. */
  async difference(): Promise<string | undefined> {
    for (const [index, presence] of this.presences.entries()) {
      for (const name of ROOMS) {
        const read = await presence.members(name).then(sorted, (error: Error) => error.message);
        const expected = this.expectedMembers(name);
        if (JSON.stringify(read) !== JSON.stringify(expected)) return `node ${index} members(${name}): ${JSON.stringify(read)}, expected ${JSON.stringify(expected)}`;
      }
      for (const name of USERS) {
        const read = await presence.sessions(name).then(sorted, (error: Error) => error.message);
        const expected = this.expectedSessions(name);
        if (JSON.stringify(read) !== JSON.stringify(expected)) return `node ${index} sessions(${name}): ${JSON.stringify(read)}, expected ${JSON.stringify(expected)}`;
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.#server.resume();
    await Promise.all(this.presences.map((presence) => presence.close()));
  }
}

function noop(): void {}

function sorted(entries: PresenceEntry[]): PresenceEntry[] {
  return entries.map(({ connectionId, userId }) => ({ connectionId, userId })).sort((a, b) => a.connectionId.localeCompare(b.connectionId));
}

describe('Redis presence under restarts and pauses', { skip: redis.skip, timeout: 120_000 }, () => {
  it('converges to every node’s local truth once Redis is steady, after any sequence of changes, restarts and pauses', async (t) => {
    const server = redis.skip === undefined ? redis.server! : undefined;
    const url = redis.skip === undefined ? redis.url : '';
    const convergedAfter: number[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), async (ops) => {
        const run = new Run(server!, url);
        try {
          for (const step of ops) await run.apply(step);
          await run.steady();
          const steadyAt = performance.now();
          let difference: string | undefined;
          await eventually(async () => (difference = await run.difference()) === undefined, CONVERGENCE_BOUND_MS, 'presence to match the truth').catch(() => {
            assert.fail(`not converged within ${CONVERGENCE_BOUND_MS} ms of Redis being steady: ${difference}`);
          });
          convergedAfter.push(performance.now() - steadyAt);
        } finally {
          await run.close();
        }
      }),
      { numRuns: Number(process.env.PRESENCE_RUNS ?? 50), endOnFailure: true, examples },
    );
    convergedAfter.sort((a, b) => a - b);
    t.diagnostic(
      `${convergedAfter.length} runs; converged after Redis was steady: median ${convergedAfter[convergedAfter.length >> 1]!.toFixed(0)} ms, max ${convergedAfter.at(-1)!.toFixed(0)} ms`,
    );
  });
});
