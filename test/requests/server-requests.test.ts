import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { CommandError, defineCommand, jsonRpcCodec, Switchyard, typed } from '../../src/index.js';
import { SwitchyardClient } from '../../src/client/index.js';
import { createRedisScaleOut } from '../../src/redis.js';
import { serve, within } from '../support/socket-harness.js';
import { WsTestClient, type Frame } from '../support/ws-test-client.js';
import { uniquePrefix, useRedis } from '../support/redis.js';

/** What the server asks a client: a sum, typed both ways; its result has a schema the answer is held to. */
const Sum = defineCommand('math.sum', { payload: typed<{ a: number; b: number }>(), result: z.object({ sum: z.number() }) });
/** The command that makes a handler ask: it asks `target` and reports what came back. */
const Probe = defineCommand('probe', {
  payload: typed<{ target: string; timeoutMs?: number }>(),
  result: typed<{ sum?: number; refused?: { code: string; message: string; details: readonly unknown[] }; ms?: number }>(),
});

function withProbe(app: Switchyard): void {
  app.register(Probe, async ({ target, timeoutMs }, ctx) => {
    const started = Date.now();
    try {
      const { sum } = await ctx.ask(target, Sum, { a: 2, b: 3 }, timeoutMs === undefined ? {} : { timeoutMs });
      return { sum };
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      return { refused: { code: error.code, message: error.message, details: error.details }, ms: Date.now() - started };
    }
  });
}

function connectionIdOf(client: WsTestClient): Promise<string> {
  return client.waitFor((frame) => frame.type === 'session.connected').then((frame) => (frame.payload as { connectionId: string }).connectionId);
}

function requestFrame(client: WsTestClient): Promise<Frame> {
  return client.waitFor((frame) => frame.kind === 'request', 'a request frame');
}

describe('ctx.ask on one node, over real sockets', { timeout: 30_000 }, () => {
  const opened: Array<{ close(): Promise<unknown> }> = [];
  after(async () => {
    for (const item of opened.reverse()) await item.close();
  });

  async function start(): Promise<string> {
    const { app, url } = await serve({ app: { commandTimeoutMs: 10_000 }, setup: withProbe });
    opened.push(app);
    return url;
  }

  async function client(url: string): Promise<WsTestClient> {
    const connected = await WsTestClient.connect(url);
    opened.push(connected);
    return connected;
  }

  it('sends a request frame and resolves with the result frame the client answers', async () => {
    const url = await start();
    const [asker, answerer] = [await client(url), await client(url)];
    const target = await connectionIdOf(answerer);
    const reply = asker.exchange('probe', { target });
    const request = await requestFrame(answerer);
    assert.deepEqual(Object.keys(request).sort(), ['id', 'kind', 'payload', 'type']);
    assert.deepEqual([request.type, request.payload], ['math.sum', { a: 2, b: 3 }]);
    answerer.ws.send(JSON.stringify({ kind: 'result', id: request.id, payload: { sum: 5 } }));
    assert.deepEqual((await reply).payload, { sum: 5 });
  });

  it('rejects with the client\'s coded error when it refuses with an error frame', async () => {
    const url = await start();
    const [asker, answerer] = [await client(url), await client(url)];
    const reply = asker.exchange('probe', { target: await connectionIdOf(answerer) });
    const request = await requestFrame(answerer);
    answerer.ws.send(JSON.stringify({ kind: 'error', id: request.id, error: { code: 'NOT_NOW', message: 'busy', details: [1] } }));
    assert.deepEqual(((await reply).payload as { refused: unknown }).refused, { code: 'NOT_NOW', message: 'busy', details: [1] });
  });

  it('rejects with TIMEOUT when the client does not answer in time, and ignores the late answer', async () => {
    const url = await start();
    const [asker, answerer] = [await client(url), await client(url)];
    const reply = asker.exchange('probe', { target: await connectionIdOf(answerer), timeoutMs: 150 });
    const request = await requestFrame(answerer);
    const { refused } = (await reply).payload as { refused: { code: string } };
    assert.equal(refused.code, 'TIMEOUT');
    const before = answerer.frames.length;
    answerer.ws.send(JSON.stringify({ kind: 'result', id: request.id, payload: { sum: 5 } }));
    assert.equal((await answerer.exchange('probe', { target: 'nobody', timeoutMs: 50 })).kind, 'result', 'the connection still serves commands');
    assert.equal(answerer.frames.slice(before).filter((frame) => frame.kind === 'error').length, 0, 'a late answer is not answered with an error');
  });

  it('ignores answers with ids it never sent, from the wrong connection, or twice, without closing the connection', async () => {
    const url = await start();
    const [asker, answerer, intruder] = [await client(url), await client(url), await client(url)];
    const reply = asker.exchange('probe', { target: await connectionIdOf(answerer) });
    const request = await requestFrame(answerer);
    for (const frame of [
      { kind: 'result', id: 'never-sent', payload: 1 },
      { kind: 'error', id: 'never-sent', error: { code: 'X', message: '', details: [] } },
      { kind: 'result', payload: 1 },
      { kind: 'result', id: 42, payload: 1 },
    ]) {
      answerer.ws.send(JSON.stringify(frame));
    }
    // Another client guessing the id is not the one asked.
    intruder.ws.send(JSON.stringify({ kind: 'result', id: request.id, payload: { sum: 666 } }));
    answerer.ws.send(JSON.stringify({ kind: 'result', id: request.id, payload: { sum: 5 } }));
    answerer.ws.send(JSON.stringify({ kind: 'result', id: request.id, payload: { sum: 6 } }));
    assert.deepEqual((await reply).payload, { sum: 5 });
    assert.equal((await answerer.exchange('probe', { target: 'nobody', timeoutMs: 50 })).kind, 'result');
    assert.equal(answerer.frames.filter((frame) => frame.kind === 'error').length, 0, 'ignored answers get no error frame');
    assert.equal(intruder.frames.filter((frame) => frame.kind === 'error').length, 0);
  });

  it('holds the answer to the result schema: a wrong shape is INVALID_PAYLOAD', async () => {
    const url = await start();
    const [asker, answerer] = [await client(url), await client(url)];
    const reply = asker.exchange('probe', { target: await connectionIdOf(answerer) });
    const request = await requestFrame(answerer);
    answerer.ws.send(JSON.stringify({ kind: 'result', id: request.id, payload: { sum: 'five' } }));
    assert.equal(((await reply).payload as { refused: { code: string } }).refused.code, 'INVALID_PAYLOAD');
  });

  it('refuses at once with UNAVAILABLE when the asked connection closes before answering', async () => {
    const url = await start();
    const [asker, answerer] = [await client(url), await client(url)];
    const reply = asker.exchange('probe', { target: await connectionIdOf(answerer), timeoutMs: 20_000 });
    await requestFrame(answerer);
    await answerer.close();
    const { refused } = (await within(reply, 5000, 'the refusal')).payload as { refused: { code: string } };
    assert.equal(refused.code, 'UNAVAILABLE');
  });

  it('is answered by the typed client\'s handle(), and refused UNKNOWN_COMMAND for a type it does not handle', async () => {
    const url = await start();
    const asker = await client(url);
    const typedClient = new SwitchyardClient({ url, WebSocket });
    opened.push(typedClient);
    const { connectionId } = await typedClient.ready();
    const refused = await asker.exchange('probe', { target: connectionId });
    assert.equal((refused.payload as { refused: { code: string } }).refused.code, 'UNKNOWN_COMMAND');
    const off = typedClient.handle(Sum, ({ a, b }) => ({ sum: a + b }));
    assert.deepEqual((await asker.exchange('probe', { target: connectionId })).payload, { sum: 5 });
    off();
    typedClient.handle(Sum, async () => {
      throw new CommandError('NO_MATHS', 'not today', ['sorry']);
    });
    const thrown = (await asker.exchange('probe', { target: connectionId })).payload as { refused: unknown };
    assert.deepEqual(thrown.refused, { code: 'NO_MATHS', message: 'not today', details: ['sorry'] });
    assert.throws(() => typedClient.handle(Sum, () => ({ sum: 0 })), TypeError);
  });
});

describe('ctx.ask over JSON-RPC', { timeout: 20_000 }, () => {
  it('sends a JSON-RPC request from server to client and takes its response as the answer', async () => {
    const { app, url } = await serve({ app: { codec: jsonRpcCodec }, setup: withProbe });
    const asker = new WebSocket(url);
    const answerer = new WebSocket(url);
    const frames = (ws: WebSocket): Array<Record<string, unknown>> => {
      const seen: Array<Record<string, unknown>> = [];
      ws.on('message', (data) => seen.push(JSON.parse(data.toString()) as Record<string, unknown>));
      return seen;
    };
    const [askerFrames, answererFrames] = [frames(asker), frames(answerer)];
    const until = async (what: string, check: () => boolean): Promise<void> => {
      const deadline = Date.now() + 5000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    try {
      await until('both greetings', () => askerFrames.length > 0 && answererFrames.length > 0);
      const target = (answererFrames[0]!['params'] as { connectionId: string }).connectionId;
      asker.send(JSON.stringify({ jsonrpc: '2.0', method: 'probe', params: { target }, id: 7 }));
      await until('the request', () => answererFrames.some((frame) => frame['method'] === 'math.sum'));
      const request = answererFrames.find((frame) => frame['method'] === 'math.sum')!;
      assert.deepEqual([request['jsonrpc'], request['params'], typeof request['id']], ['2.0', { a: 2, b: 3 }, 'string']);
      answerer.send(JSON.stringify({ jsonrpc: '2.0', id: request['id'], result: { sum: 5 } }));
      await until('the reply', () => askerFrames.some((frame) => frame['id'] === 7));
      assert.deepEqual(askerFrames.find((frame) => frame['id'] === 7), { jsonrpc: '2.0', id: 7, result: { sum: 5 } });

      asker.send(JSON.stringify({ jsonrpc: '2.0', method: 'probe', params: { target }, id: 8 }));
      await until('the second request', () => answererFrames.filter((frame) => frame['method'] === 'math.sum').length === 2);
      const second = answererFrames.filter((frame) => frame['method'] === 'math.sum')[1]!;
      answerer.send(JSON.stringify({ jsonrpc: '2.0', id: second['id'], error: { code: -32601, message: 'no such method' } }));
      await until('the second reply', () => askerFrames.some((frame) => frame['id'] === 8));
      const refused = (askerFrames.find((frame) => frame['id'] === 8)!['result'] as { refused: { code: string } }).refused;
      assert.equal(refused.code, 'UNKNOWN_COMMAND', 'a standard JSON-RPC error code maps to its Switchyard code');
    } finally {
      asker.close();
      answerer.close();
      await app.close();
    }
  });
});

const redis = await useRedis();

describe('ctx.ask across two nodes on Redis', { skip: redis.skip, timeout: 30_000 }, () => {
  const url = redis.skip === undefined ? redis.url : '';
  const opened: Array<{ close(): Promise<unknown> }> = [];
  after(async () => {
    for (const item of opened.reverse()) await item.close();
  });

  it('reaches a connection on the other node and brings its answer back to the asking node', async () => {
    const prefix = uniquePrefix('ask');
    const nodes = await Promise.all(
      [0, 1].map(async () => {
        const scaleOut = createRedisScaleOut({ url, keyPrefix: prefix });
        opened.push(scaleOut);
        await within(scaleOut.ready(), 5000, 'Redis to be ready');
        const served = await serve({ app: { backplane: scaleOut.backplane, presence: scaleOut.presence }, setup: withProbe });
        opened.push(served.app);
        return served;
      }),
    );
    const asker = await WsTestClient.connect(nodes[0]!.url);
    opened.push(asker);
    const typedClient = new SwitchyardClient({ url: nodes[1]!.url, WebSocket });
    opened.push(typedClient);
    const off = typedClient.handle(Sum, ({ a, b }) => ({ sum: a * 10 + b }));
    const { connectionId } = await typedClient.ready();
    assert.deepEqual((await asker.exchange('probe', { target: connectionId })).payload, { sum: 23 });

    // A refusal crosses back just the same, and a connection nobody has times out.
    off();
    const refused = (await asker.exchange('probe', { target: connectionId })).payload as { refused: { code: string } };
    assert.equal(refused.refused.code, 'UNKNOWN_COMMAND');
    const timedOut = (await asker.exchange('probe', { target: 'nobody-anywhere', timeoutMs: 100 })).payload as { refused: { code: string } };
    assert.equal(timedOut.refused.code, 'TIMEOUT');
  });
});
