import type { IncomingMessage } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { defineCommand, typed, type RecoveryOptions, type Switchyard, type SwitchyardOptions } from '../../src/index.js';
import { createRedisScaleOut, redisRecoveryStore, type RedisHistory, type RedisScaleOut, type RedisScaleOutOptions } from '../../src/redis.js';
import { registerFixtures } from '../support/fixtures.js';
import { eventually, serve, within } from '../support/socket-harness.js';
import { WsTestClient, type Frame } from '../support/ws-test-client.js';

/** A counter that only goes up: a command that must not run twice. */
export const Increment = defineCommand('test.increment', { payload: z.object({ ms: z.number() }), result: typed<number>() });

/** Frames with recovery's fields. */
export type RecoveryFrame = Frame & { stream?: string; pos?: string };

/** Who the `x-user` header says the client is; no header is an anonymous connection. */
export function headerUser(request: IncomingMessage): { id: string } | undefined {
  const user = request.headers['x-user'];
  return typeof user === 'string' ? { id: user } : undefined;
}

/** A server with recovery on, the test fixtures, and a counter; `runs` counts the counter's executions. */
export async function serveWithRecovery(app: SwitchyardOptions = {}, extra?: (application: Switchyard) => void): Promise<{ app: Switchyard; url: string; runs: { count: number } }> {
  const runs = { count: 0 };
  const served = await serve({
    app: { recovery: { ttlMs: 10_000 }, ...app },
    transport: { authenticate: headerUser },
    setup: (application) => {
      registerFixtures(application).register(Increment, async ({ ms }) => {
        const value = ++runs.count;
        await delay(ms);
        return value;
      });
      extra?.(application);
    },
  });
  return { app: served.app, url: served.url, runs };
}

/** Connects; `user` sets the identity. */
export function connect(url: string, user?: string): Promise<WsTestClient> {
  return WsTestClient.connect(url, user === undefined ? {} : { headers: { 'x-user': user } });
}

/** The resume grant a client got in `session.connected`. */
export function grantOf(client: WsTestClient): { token: string; ttlMs: number } {
  const hello = client.frames.find((frame) => frame.type === 'session.connected') as { payload: { resume?: { token: string; ttlMs: number } } } | undefined;
  const resume = hello?.payload.resume;
  if (resume === undefined) throw new Error('session.connected carried no resume grant');
  return resume;
}

/** The connection id a client got in `session.connected`. */
export function idOf(client: WsTestClient): string {
  return (client.frames.find((frame) => frame.type === 'session.connected') as { payload: { connectionId: string } }).payload.connectionId;
}

/** Last position seen per stream, as a client keeps them. */
export function positionsOf(client: WsTestClient): Record<string, string> {
  const positions: Record<string, string> = {};
  for (const frame of client.frames as RecoveryFrame[]) if (frame.stream !== undefined && frame.pos !== undefined) positions[frame.stream] = frame.pos;
  return positions;
}

/** Drops the TCP connection with no close frame, as a network failure does; with `room`, waits until the server has seen it leave. */
export async function dropTcp(client: WsTestClient, app?: Switchyard, room?: string): Promise<void> {
  const id = idOf(client);
  (client.ws as unknown as { _socket: { destroy(): void } })._socket.destroy();
  await within(client.closed, 5000, 'the dropped socket to close');
  if (app !== undefined && room !== undefined) {
    await eventually(async () => !(await app.presence.members(room)).some((member) => member.connectionId === id), 5000, 'the server to see the drop');
  }
}

/** The texts of the `test.shouted` events a client got since frame `from`. */
export function shoutsOf(client: WsTestClient, from = 0): string[] {
  return client.frames.slice(from).filter((frame) => frame.type === 'test.shouted').map((frame) => (frame.payload as { text: string }).text);
}

/** Publishes `texts` to a room from `publisher`, one request each, in order. */
export async function shout(publisher: WsTestClient, room: string, texts: readonly string[]): Promise<void> {
  for (const text of texts) {
    const reply = await publisher.exchange('test.shout', { text, audience: 'room', id: room, exceptSender: true });
    if (reply.kind !== 'result') throw new Error(`shout failed: ${JSON.stringify(reply)}`);
  }
}

/**
 * Sends a command with the given id. A resumed session keeps its command
 * ids (a retry is recognised by its id), so after a resume a test uses ids
 * its first connection did not.
 */
export function ask(client: WsTestClient, id: string, type: string, payload?: unknown): Promise<Frame> {
  const reply = client.reply(id);
  client.ws.send(JSON.stringify({ type, id, payload }));
  return reply;
}

/** Sends `session.resume` and resolves with the frames that came before its result, and the result. */
export async function resume(client: WsTestClient, token: string, positions: Record<string, string>, id = 'r1'): Promise<{ before: RecoveryFrame[]; result: { recovered: boolean; rooms: string[]; replayed: number; resume: { token: string; ttlMs: number } } }> {
  const start = client.frames.length;
  const reply = client.reply(id);
  client.ws.send(JSON.stringify({ type: 'session.resume', id, payload: { token, positions } }));
  const frame = await reply;
  if (frame.kind !== 'result') throw new Error(`session.resume failed: ${JSON.stringify(frame)}`);
  const index = client.frames.indexOf(frame);
  return { before: client.frames.slice(start, index) as RecoveryFrame[], result: frame.payload as never };
}

/** An application with recovery in Redis, served on 127.0.0.1 in this process, as one node of several. */
export interface RecoveryNode {
  readonly app: Switchyard;
  readonly url: string;
  readonly runs: { count: number };
  readonly scaleOut: RedisScaleOut;
  readonly history: RedisHistory;
}

/**
 * Starts a node on Redis (or a Redis Cluster at `url`) whose backplane, presence and recovery store share
 * `keyPrefix`, once all of them are ready; `nodes` collects it for {@link closeRecoveryNodes}.
 */
export async function startRecoveryNode(
  nodes: RecoveryNode[],
  options: { url: string; keyPrefix: string; scaleOut?: Partial<RedisScaleOutOptions>; recovery?: Omit<RecoveryOptions, 'store'>; setup?: (application: Switchyard) => void },
): Promise<RecoveryNode> {
  const { url, keyPrefix } = options;
  const scaleOut = createRedisScaleOut({ url, keyPrefix, reconnectMaxDelayMs: 100, ...options.scaleOut });
  const store = redisRecoveryStore({ url, keyPrefix, reconnectMaxDelayMs: 100 });
  const served = await serveWithRecovery({ backplane: scaleOut.backplane, presence: scaleOut.presence, recovery: { ttlMs: 10_000, ...options.recovery, store } }, options.setup);
  await within(Promise.all([scaleOut.ready(), store.ready()]), 10_000, 'the node to reach Redis');
  const node = { ...served, scaleOut, history: store.store?.history as RedisHistory };
  nodes.push(node);
  return node;
}

/** Closes the nodes {@link startRecoveryNode} started, each application before its Redis links. */
export async function closeRecoveryNodes(nodes: readonly RecoveryNode[]): Promise<void> {
  for (const { app, scaleOut } of nodes) {
    await app.close();
    await scaleOut.close();
  }
}

