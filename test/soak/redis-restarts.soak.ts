// Redis killed and restarted 20 times under two nodes while clients join,
// leave, connect, disconnect and publish; after every restart, presence read
// from either node must match what the clients did. Run by `npm run soak`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WsTestClient } from '../support/ws-test-client.js';
import { NodeProcess } from '../support/node-process.js';
import { uniquePrefix, useRedis } from '../support/redis.js';
import { eventually } from '../support/socket-harness.js';

const redis = await useRedis({ dedicated: true });

const RESTARTS = 20;
const CLIENTS_PER_NODE = 8;
const ROOMS = ['r0', 'r1', 'r2', 'r3'];
const USERS = ['u0', 'u1', 'u2', 'u3', 'u4'];
/** Presence changes made while Redis is down, in each outage. */
const CHANGES_PER_OUTAGE = 40;
const CONVERGENCE_BOUND_MS = 10_000;

interface Tracked {
  readonly client: WsTestClient;
  readonly node: number;
  readonly user: string;
  readonly rooms: Set<string>;
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

describe('Redis killed and restarted under traffic', { skip: redis.skip, timeout: 10 * 60_000 }, () => {
  const nodes: NodeProcess[] = [];
  const tracked: Tracked[] = [];
  let changes = 0;
  let published = 0;
  let running = true;
  let churning = true;
  const loops: Array<Promise<void>> = [];

  async function open(node: number): Promise<Tracked> {
    const user = pick(USERS);
    const entry = { client: await WsTestClient.toNode(nodes[node]!.port, user), node, user, rooms: new Set<string>() };
    tracked.push(entry);
    return entry;
  }

  /** One presence change, as a client makes it; the tracked state follows only what the node confirmed. */
  async function change(): Promise<void> {
    const roll = Math.random();
    if (roll < 0.1) {
      const gone = pick(tracked);
      tracked.splice(tracked.indexOf(gone), 1);
      await gone.client.close();
      await open(gone.node);
    } else {
      const target = pick(tracked);
      const room = pick(ROOMS);
      const joining = !target.rooms.has(room);
      await target.client.call(joining ? 'room.join' : 'room.leave', { room });
      if (joining) target.rooms.add(room);
      else target.rooms.delete(room);
    }
    changes += 1;
  }

  async function churn(): Promise<void> {
    while (running) {
      if (churning) await change();
      else await publish();
    }
  }

  async function publish(): Promise<void> {
    const sender = pick(tracked);
    await sender.client.call('room.say', { room: pick(ROOMS), text: 'traffic' }).catch(() => undefined);
    published += 1;
  }

  async function publishing(): Promise<void> {
    while (running) await publish();
  }

  /** The first difference between presence as either node reads it and what the clients did, or `undefined`. */
  async function difference(): Promise<string | undefined> {
    for (const reader of [0, 1]) {
      const client = tracked.find((entry) => entry.node === reader)!.client;
      for (const room of ROOMS) {
        const expected = tracked.filter((entry) => entry.rooms.has(room)).map((entry) => entry.client.connectionId).sort();
        const read = (await client.call('presence.members', { room }).catch((error: Error) => error.message)) as { connectionIds: string[] } | string;
        if (JSON.stringify(read) !== JSON.stringify({ connectionIds: expected })) return `node ${reader}, room ${room}: ${JSON.stringify(read)}`;
      }
      for (const user of USERS) {
        const expected = tracked.filter((entry) => entry.user === user).map((entry) => entry.client.connectionId).sort();
        const read = (await client.call('presence.sessions', { userId: user }).catch((error: Error) => error.message)) as { connectionIds: string[] } | string;
        if (JSON.stringify(read) !== JSON.stringify({ connectionIds: expected })) return `node ${reader}, user ${user}: ${JSON.stringify(read)}`;
      }
    }
    return undefined;
  }

  before(async () => {
    if (redis.skip !== undefined) return;
    const env = {
      REDIS_URL: redis.url,
      KEY_PREFIX: uniquePrefix('restarts'),
      HEARTBEAT_MS: '500',
      PRESENCE_TTL_MS: '1500',
      RECONNECT_MAX_DELAY_MS: '200',
      LOG_LEVEL: 'warn',
    };
    nodes.push(...(await Promise.all([0, 1].map(() => NodeProcess.start(env)))));
    for (const node of [0, 1]) for (let index = 0; index < CLIENTS_PER_NODE; index += 1) await open(node);
  });

  after(async () => {
    running = false;
    await Promise.allSettled(loops);
    await Promise.all(tracked.map((entry) => entry.client.close()));
    await Promise.all(nodes.map((node) => node.stop()));
  });

  it(`converges after each of ${RESTARTS} restarts`, async (t) => {
    const server = redis.skip === undefined ? redis.server! : undefined;
    const convergedAfter: number[] = [];
    loops.push(churn(), publishing());

    for (let restart = 1; restart <= RESTARTS; restart += 1) {
      churning = true;
      await server!.stop();
      await Promise.all(nodes.map((node) => node.until((n) => n.redisStatus === 'down', `Redis reported down (restart ${restart})`)));
      const target = changes + CHANGES_PER_OUTAGE;
      await eventually(() => changes >= target, 30_000, `${CHANGES_PER_OUTAGE} presence changes during outage ${restart}`);
      // From here the clients only publish, so there is one truth to converge to.
      churning = false;
      await server!.restart();
      const restartedAt = performance.now();
      let last: string | undefined;
      await eventually(async () => (last = await difference()) === undefined, CONVERGENCE_BOUND_MS, `presence to converge after restart ${restart}`).catch(() =>
        assert.fail(`restart ${restart}: not converged within ${CONVERGENCE_BOUND_MS} ms: ${last}`),
      );
      convergedAfter.push(performance.now() - restartedAt);
      await Promise.all(nodes.map((node) => node.until((n) => n.redisStatus === 'up', `Redis reported up (restart ${restart})`)));
      for (const node of nodes) assert.ok(node.alive, `node ${node.nodeId} is alive after restart ${restart}`);
    }

    const sorted = [...convergedAfter].sort((a, b) => a - b);
    t.diagnostic(`presence convergence after each restart (ms, from redis-server accepting connections): ${convergedAfter.map((ms) => ms.toFixed(0)).join(', ')}`);
    t.diagnostic(
      `restarts: ${RESTARTS}; convergence min ${sorted[0]!.toFixed(0)} ms, median ${sorted[sorted.length >> 1]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms; ` +
        `${changes} presence changes (${CHANGES_PER_OUTAGE} per outage while Redis was down), ${published} room messages published, ${tracked.length} clients`,
    );
  });
});
