/**
 * Property: whatever the drops and resumes interleaved with publishes, every
 * client's sequence of a room's events equals the published one, with no gap
 * and no duplicate (one node, real sockets).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Switchyard } from '../../src/index.js';
import type { WsTestClient } from '../support/ws-test-client.js';
import { connect, dropTcp, grantOf, resume, serveWithRecovery, shout, type RecoveryFrame } from './support.js';

type Op = { kind: 'publish'; count: number } | { kind: 'drop'; client: number } | { kind: 'resume'; client: number };

const CLIENTS = 3;
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('publish' as const), count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('drop' as const), client: fc.integer({ min: 0, max: CLIENTS - 1 }) }),
  fc.record({ kind: fc.constant('resume' as const), client: fc.integer({ min: 0, max: CLIENTS - 1 }) }),
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
after(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

describe('recovery property (one node)', { timeout: 60_000 }, () => {
  it('delivers every published event exactly once, in order, to every client, across random drops and resumes', async () => {
    const { app, url } = await serveWithRecovery();
    apps.push(app);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const room = `p${++run}`;
        const publisher = await connect(url, 'publisher');
        await publisher.exchange('test.join', { room });
        const subscribers: Subscriber[] = [];
        for (let index = 0; index < CLIENTS; index++) {
          const socket = await connect(url, `user${index}`);
          await socket.exchange('test.join', { room });
          subscribers.push(new Subscriber(socket));
        }
        const published: string[] = [];
        const bringBack = async (subscriber: Subscriber): Promise<void> => {
          const socket = await connect(url, `user${subscribers.indexOf(subscriber)}`);
          const { result } = await resume(socket, subscriber.token, subscriber.positions, `r${published.length}-${Math.random()}`);
          assert.equal(result.recovered, true, 'a resume within the TTL and the history recovers');
          subscriber.token = result.resume.token;
          subscriber.socket = socket;
        };
        for (const step of ops) {
          if (step.kind === 'publish') {
            const texts = Array.from({ length: step.count }, (_, index) => `${room}-${published.length + index}`);
            published.push(...texts);
            await shout(publisher, room, texts);
          } else {
            const subscriber = subscribers[step.client] as Subscriber;
            if (step.kind === 'drop' && subscriber.socket !== undefined) {
              await dropTcp(subscriber.socket);
              subscriber.past.push(subscriber.socket.frames as RecoveryFrame[]);
              subscriber.socket = undefined;
            } else if (step.kind === 'resume' && subscriber.socket === undefined) {
              await bringBack(subscriber);
            }
          }
        }
        for (const subscriber of subscribers) if (subscriber.socket === undefined) await bringBack(subscriber);
        const last = `${room}-end`;
        published.push(last);
        await shout(publisher, room, [last]);
        for (const subscriber of subscribers) {
          await (subscriber.socket as WsTestClient).waitFor((frame) => frame.type === 'test.shouted' && (frame.payload as { text: string }).text === last);
          assert.deepEqual(subscriber.texts, published);
        }
        await Promise.all([publisher.close(), ...subscribers.map((subscriber) => subscriber.socket?.close())]);
      }),
      { numRuns: 12 },
    );
  });
});
