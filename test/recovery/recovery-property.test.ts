/**
 * Property: whatever the drops and resumes interleaved with publishes, every
 * client's sequence of a room's events equals the published one, with no gap
 * and no duplicate (one node, real sockets).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Switchyard } from '../../src/index.js';
import { createRedisScaleOut, redisRecoveryStore, type RedisScaleOut } from '../../src/redis.js';
import { uniquePrefix, useRedis } from '../support/redis.js';
import type { WsTestClient } from '../support/ws-test-client.js';
import { connect, dropTcp, grantOf, resume, serveWithRecovery, shout, type RecoveryFrame } from './support.js';

const redis = await useRedis();

type Op = { kind: 'publish'; count: number; node: number } | { kind: 'drop'; client: number } | { kind: 'resume'; client: number; node: number };

const CLIENTS = 3;
const node = fc.integer({ min: 0, max: 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('publish' as const), count: fc.integer({ min: 1, max: 3 }), node }),
  fc.record({ kind: fc.constant('drop' as const), client: fc.integer({ min: 0, max: CLIENTS - 1 }) }),
  fc.record({ kind: fc.constant('resume' as const), client: fc.integer({ min: 0, max: CLIENTS - 1 }), node }),
);

/** One client across its connections: the frames of each, and the token to resume with. */
class Subscriber {
  readonly past: RecoveryFrame[][] = [];
  socket: WsTestClient | undefined;
  token = '';

  constructor(socket: WsTestClient) {
    this.socket = socket;
    this.token = grantOf(socket).token;
  }

  get frames(): RecoveryFrame[] {
    return [...this.past.flat(), ...((this.socket?.frames ?? []) as RecoveryFrame[])];
  }

  get texts(): string[] {
    return this.frames.filter((frame) => frame.type === 'test.shouted').map((frame) => (frame.payload as { text: string }).text);
  }

  get positions(): Record<string, string> {
    const positions: Record<string, string> = {};
    for (const frame of this.frames) if (frame.stream !== undefined && frame.pos !== undefined) positions[frame.stream] = frame.pos;
    return positions;
  }
}

const apps: Switchyard[] = [];
const scaleOuts: RedisScaleOut[] = [];
after(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await Promise.all(scaleOuts.map((scaleOut) => scaleOut.close()));
});

/**
 * Runs random drops, resumes (on either node) and publishes (from either
 * node) in a fresh room, then brings every client back and checks that
 * each got the room's events exactly as published.
 */
async function property(urls: readonly [string, string], numRuns: number): Promise<void> {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
      const room = `p${++run}-${Math.random().toString(36).slice(2, 8)}`;
      const publishers = [await connect(urls[0], 'publisher'), await connect(urls[1], 'publisher')];
      for (const publisher of publishers) await publisher.exchange('test.join', { room });
      const subscribers: Subscriber[] = [];
      for (let index = 0; index < CLIENTS; index++) {
        const socket = await connect(urls[index % 2] as string, `user${index}`);
        await socket.exchange('test.join', { room });
        subscribers.push(new Subscriber(socket));
      }
      const published: string[] = [];
      const bringBack = async (subscriber: Subscriber, on: number): Promise<void> => {
        const socket = await connect(urls[on] as string, `user${subscribers.indexOf(subscriber)}`);
        const { result } = await resume(socket, subscriber.token, subscriber.positions, `r${published.length}-${Math.random()}`);
        assert.equal(result.recovered, true, 'a resume within the TTL and the history recovers');
        subscriber.token = result.resume.token;
        subscriber.socket = socket;
      };
      for (const step of ops) {
        if (step.kind === 'publish') {
          const texts = Array.from({ length: step.count }, (_, index) => `${room}-${published.length + index}`);
          published.push(...texts);
          // Publishers take turns, but one at a time: the order of the room's events is the order published.
          await shout(publishers[step.node] as WsTestClient, room, texts);
        } else {
          const subscriber = subscribers[step.client] as Subscriber;
          if (step.kind === 'drop' && subscriber.socket !== undefined) {
            await dropTcp(subscriber.socket);
            subscriber.past.push(subscriber.socket.frames as RecoveryFrame[]);
            subscriber.socket = undefined;
          } else if (step.kind === 'resume' && subscriber.socket === undefined) {
            await bringBack(subscriber, step.node);
          }
        }
      }
      for (const subscriber of subscribers) if (subscriber.socket === undefined) await bringBack(subscriber, 0);
      const last = `${room}-end`;
      published.push(last);
      await shout(publishers[0] as WsTestClient, room, [last]);
      for (const subscriber of subscribers) {
        await (subscriber.socket as WsTestClient).waitFor((frame) => frame.type === 'test.shouted' && (frame.payload as { text: string }).text === last);
        assert.deepEqual(subscriber.texts, published);
      }
      await Promise.all([...publishers.map((publisher) => publisher.close()), ...subscribers.map((subscriber) => subscriber.socket?.close())]);
    }),
    { numRuns },
  );
}

describe('recovery property', { timeout: 90_000 }, () => {
  it('delivers every published event exactly once, in order, to every client, across random drops and resumes (one node)', async () => {
    const { app, url } = await serveWithRecovery();
    apps.push(app);
    await property([url, url], 12);
  });

  it('does the same on two nodes sharing Redis, each client resuming on either node', { skip: redis.skip }, async () => {
    const url = (redis as { url: string }).url;
    const keyPrefix = uniquePrefix('recovery-property');
    const nodes: string[] = [];
    for (let index = 0; index < 2; index++) {
      const scaleOut = createRedisScaleOut({ url, keyPrefix });
      const store = redisRecoveryStore({ url, keyPrefix });
      const served = await serveWithRecovery({ backplane: scaleOut.backplane, presence: scaleOut.presence, recovery: { ttlMs: 10_000, store } });
      await Promise.all([scaleOut.ready(), store.ready()]);
      apps.push(served.app);
      scaleOuts.push(scaleOut);
      nodes.push(served.url);
    }
    await property([nodes[0] as string, nodes[1] as string], 8);
  });
});
