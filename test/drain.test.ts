import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineCommand, typed } from '../src/index.js';
import { eventually, serve, within } from './support/socket-harness.js';
import { WsTestClient, type Frame } from './support/ws-test-client.js';

const Work = defineCommand('work', { payload: typed<number>(), result: typed<number>() });
const N = 60;

test('drain: clients hear session.draining, every in-flight command replies, then sockets close with 1001', { timeout: 20_000 }, async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let running = 0;
  const { app, url } = await serve({
    setup: (app) =>
      app.register(Work, async (n) => {
        running++;
        await gate;
        return n * 2;
      }),
  });
  const clients = await Promise.all(Array.from({ length: 3 }, () => WsTestClient.connect(url)));
  const replies: Promise<Frame>[] = [];
  for (let n = 0; n < N; n++) replies.push(clients[n % clients.length]!.exchange('work', n, 15_000));
  await eventually(() => running === N, 5000, 'every command to be running');

  const closing = app.drain({ deadlineMs: 10_000 });
  for (const client of clients) await client.waitFor((frame) => frame.type === 'session.draining', 'session.draining');
  const draining = clients[0]!.frames.find((frame) => frame.type === 'session.draining');
  assert.ok(typeof (draining?.payload as { retryAfterMs?: unknown }).retryAfterMs === 'number');
  assert.equal(await WsTestClient.refusal(url), 503, 'no new connections while draining');
  const late = await clients[0]!.exchange('work', -1);
  assert.equal(late.error?.code, 'UNAVAILABLE', 'a command sent after the drain began is refused, not lost');

  release();
  const answered = await within(Promise.all(replies), 10_000, 'every reply');
  const lost = answered.filter((reply, n) => reply.kind !== 'result' || reply.payload !== n * 2).length;
  t.diagnostic(`shutdown: ${N} commands in flight, ${N - lost} replies received, ${lost} lost`);
  assert.equal(lost, 0);
  for (const client of clients) {
    const { code } = await within(client.closed, 5000, 'the close');
    assert.equal(code, 1001);
    const drainingAt = client.frames.findIndex((frame) => frame.type === 'session.draining');
    const firstReply = client.frames.findIndex((frame) => frame.kind === 'result');
    assert.ok(drainingAt < firstReply, 'session.draining came before the replies and the close');
  }
  await closing;
});

/** An application whose one command never finishes, with that command running. */
async function serveStuckCommand(): Promise<Awaited<ReturnType<typeof serve>> & { client: WsTestClient }> {
  let started = 0;
  const served = await serve({
    app: { commandTimeoutMs: 60_000 },
    setup: (app) =>
      app.register(Work, () => {
        started++;
        return new Promise<number>(() => {});
      }),
  });
  const client = await WsTestClient.connect(served.url);
  client.ws.send(JSON.stringify({ type: 'work', id: 'stuck', payload: 1 }));
  await eventually(() => started === 1, 2000, 'the command to start');
  return { ...served, client };
}

test('drain: the deadline bounds how long a stuck command can hold the shutdown', { timeout: 10_000 }, async () => {
  const { app, transport, client } = await serveStuckCommand();
  const began = Date.now();
  assert.equal(await transport.drain({ deadlineMs: 200 }), false, 'reports that a command did not finish');
  assert.ok(Date.now() - began < 3000);
  assert.equal((await within(client.closed, 3000, 'the close')).code, 1001);
  await app.close();
});

// Regression: app.drain() resolved with nothing, throwing away whether every command had finished.
test('app.drain() resolves false when a command outlives the deadline, and a later call gets the same outcome', { timeout: 10_000 }, async () => {
  const { app } = await serveStuckCommand();
  assert.equal(await app.drain({ deadlineMs: 200 }), false);
  assert.equal(await app.drain(), false);
});

test('app.drain() resolves true when every command finished in time', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({ setup: (app) => app.register(Work, async (n) => n) });
  const client = await WsTestClient.connect(url);
  assert.equal((await client.exchange('work', 1)).payload, 1);
  assert.equal(await app.drain({ deadlineMs: 1000 }), true);
});
