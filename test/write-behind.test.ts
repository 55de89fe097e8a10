/** WriteBehind: changed keys flushed once per interval, never twice at once, retried after a failure, and all of them on drain. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { pino } from 'pino';
import { z } from 'zod';
import { CommandError, defineCommand, typed, WriteBehind } from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';
import { serve, within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';
import { Switchyard } from '../src/index.js';
import { testLogger } from './support/harness.js';

const INTERVAL = 1000;

/** Lets the promise callbacks queued by a tick run (immediates are not mocked). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A flush function that records each call's keys, and can be made to fail or to wait. */
function recorder(): { flush: (keys: readonly string[]) => Promise<void>; calls: string[][]; fail: Set<number>; gate: Promise<void> | undefined } {
  const state = {
    calls: [] as string[][],
    fail: new Set<number>(),
    gate: undefined as Promise<void> | undefined,
    flush: async (keys: readonly string[]): Promise<void> => {
      const call = state.calls.push([...keys]);
      if (state.gate !== undefined) await state.gate;
      if (state.fail.has(call)) throw new Error(`store down (call ${call})`);
    },
  };
  return state;
}

describe('WriteBehind on virtual time', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('flushes each changed key once per interval, however often it was marked, and nothing when nothing changed', async () => {
    const store = recorder();
    const saves = new WriteBehind({ flush: store.flush, intervalMs: INTERVAL });
    for (const key of ['a', 'b', 'a', 'a', 'b']) saves.mark(key);
    mock.timers.tick(INTERVAL - 1);
    await settle();
    assert.deepEqual(store.calls, [], 'nothing before the interval ends');
    mock.timers.tick(1);
    await settle();
    assert.deepEqual(store.calls, [['a', 'b']]);

    saves.mark('b');
    saves.mark('c');
    saves.mark('b');
    mock.timers.tick(INTERVAL);
    await settle();
    assert.deepEqual(store.calls, [['a', 'b'], ['b', 'c']], 'the next interval flushes only what changed since');

    mock.timers.tick(INTERVAL * 5);
    await settle();
    assert.equal(store.calls.length, 2, 'no flush while nothing changes');
    assert.equal(saves.dirty, 0);
  });

  it('never flushes one key twice at once: a key marked during its flush waits for the next interval after it', async () => {
    const store = recorder();
    let release!: () => void;
    store.gate = new Promise((resolve) => (release = resolve));
    const writing = new Map<string, number>();
    let overlap = 0;
    const saves = new WriteBehind({
      intervalMs: INTERVAL,
      flush: async (keys) => {
        for (const key of keys) {
          writing.set(key, (writing.get(key) ?? 0) + 1);
          if (writing.get(key)! > 1) overlap++;
        }
        try {
          await store.flush(keys);
        } finally {
          for (const key of keys) writing.set(key, writing.get(key)! - 1);
        }
      },
    });
    saves.mark('a');
    mock.timers.tick(INTERVAL);
    await settle();
    assert.deepEqual(store.calls, [['a']], 'the first flush is running, held by the gate');

    saves.mark('a');
    saves.mark('b');
    mock.timers.tick(INTERVAL);
    await settle();
    assert.deepEqual(store.calls, [['a'], ['b']], 'b goes, a waits: it is still being flushed');

    store.gate = undefined;
    release();
    await settle();
    mock.timers.tick(INTERVAL);
    await settle();
    assert.deepEqual(store.calls, [['a'], ['b'], ['a']], 'a again, one interval after its first flush ended');
    assert.equal(overlap, 0);
  });

  it('keeps the keys of a failed flush dirty, tells onError, and retries them at the next interval', async () => {
    const store = recorder();
    store.fail.add(1);
    const failures: Array<[string, readonly string[]]> = [];
    const saves = new WriteBehind({ flush: store.flush, intervalMs: INTERVAL, onError: (error, keys) => failures.push([(error as Error).message, keys]) });
    saves.mark('a');
    saves.mark('b');
    mock.timers.tick(INTERVAL);
    await settle();
    assert.deepEqual(failures, [['store down (call 1)', ['a', 'b']]]);
    assert.equal(saves.dirty, 2, 'the keys stay dirty');

    saves.mark('c');
    mock.timers.tick(INTERVAL);
    await settle();
    assert.deepEqual(store.calls, [['a', 'b'], ['a', 'b', 'c']]);
    assert.equal(saves.dirty, 0);
  });

  it('a throwing onError does not stop the retries', async () => {
    const store = recorder();
    store.fail.add(1);
    const saves = new WriteBehind({
      flush: store.flush,
      intervalMs: INTERVAL,
      onError: () => {
        throw new Error('the error callback failed');
      },
    });
    saves.mark('a');
    mock.timers.tick(INTERVAL);
    await settle();
    mock.timers.tick(INTERVAL);
    await settle();
    assert.deepEqual(store.calls, [['a'], ['a']]);
  });

  it('flush() saves now, and rejects with a failure whose keys stay dirty', async () => {
    const store = recorder();
    store.fail.add(1);
    const saves = new WriteBehind({ flush: store.flush, intervalMs: INTERVAL });
    saves.mark('a');
    await assert.rejects(saves.flush(), /store down/);
    assert.equal(saves.dirty, 1);
    await saves.flush();
    assert.deepEqual(store.calls, [['a'], ['a']]);
    mock.timers.tick(INTERVAL * 3);
    await settle();
    assert.equal(store.calls.length, 2, 'nothing left for the interval');
  });

  it('close() waits for a flush in progress, flushes the rest, then flushes a late mark at once; it is idempotent', async () => {
    const store = recorder();
    let release!: () => void;
    store.gate = new Promise((resolve) => (release = resolve));
    const saves = new WriteBehind({ flush: store.flush, intervalMs: INTERVAL });
    saves.mark('a');
    mock.timers.tick(INTERVAL);
    await settle();
    saves.mark('a');
    saves.mark('b');
    const closing = saves.close();
    assert.equal(saves.close(), closing);
    await settle();
    assert.deepEqual(store.calls, [['a'], ['b']], 'b at once; a waits for its flush in progress');
    store.gate = undefined;
    release();
    await closing;
    assert.deepEqual(store.calls, [['a'], ['b'], ['a']]);
    assert.equal(saves.dirty, 0);

    saves.mark('late');
    await settle();
    assert.deepEqual(store.calls.at(-1), ['late']);
  });

  it('refuses bad options and keys', () => {
    const flush = async (): Promise<void> => {};
    assert.throws(() => new WriteBehind({} as never), TypeError);
    assert.throws(() => new WriteBehind({ flush, intervalMs: 0 }), RangeError);
    assert.throws(() => new WriteBehind({ flush, intervalMs: 1.5 }), RangeError);
    assert.throws(() => new WriteBehind({ flush, onError: 'log' as never }), TypeError);
    const saves = new WriteBehind({ flush });
    assert.throws(() => saves.mark(42 as never), TypeError);
    assert.throws(() => saves.middleware({} as never), TypeError);
    assert.throws(() => saves.middleware({ keyOf: () => undefined, except: ['room.stats'] as never }), TypeError);
  });
});

const Save = defineCommand('wb.save', { payload: z.object({ room: z.string() }), result: typed<string>() });
const Read = defineCommand('wb.read', { payload: z.object({ room: z.string() }), result: typed<string>() });
const Fail = defineCommand('wb.fail', { payload: z.object({ room: z.string() }) });
const Tag = defineCommand('wb.tag', { payload: z.object({ rooms: z.array(z.string()) }) });
const Ping = defineCommand('wb.ping', { payload: typed<unknown>() });
const Work = defineCommand('wb.work', { payload: z.object({ room: z.string() }) });

describe('WriteBehind with an application', () => {
  it('the middleware marks the key of every successful command, except the ignore list and failed commands', async () => {
    const store = recorder();
    const saves = new WriteBehind({ flush: store.flush, intervalMs: 60_000 });
    const app = new Switchyard({ logger: testLogger() });
    app.use(
      saves.middleware({
        keyOf: (ctx) => {
          const payload = ctx.payload as { room?: string; rooms?: string[] } | null;
          return payload?.room ?? payload?.rooms;
        },
        except: [Read],
      }),
    );
    app
      .register(Save, ({ room }) => room)
      .register(Read, ({ room }) => room)
      .register(Fail, () => {
        throw new CommandError('NOPE', 'refused');
      })
      .register(Tag, () => undefined)
      .register(Ping, () => undefined);
    const client = (await app.listen(new MemoryTransport())).connect();
    await client.request(Save, { room: 'saved' });
    await client.request(Save, { room: 'saved' });
    await client.request(Read, { room: 'read-only' });
    await assert.rejects(client.request(Fail, { room: 'failed' }), { code: 'NOPE' });
    await assert.rejects(client.request(Save, { room: 7 } as never), { code: 'INVALID_PAYLOAD' });
    await client.request(Tag, { rooms: ['t1', 't2'] });
    await client.request(Ping, null);
    await saves.flush();
    assert.deepEqual(store.calls, [['saved', 't1', 't2']]);
    await app.close();
  });

  it('app.drain() flushes on shutdown, after the transports drained: a command that finishes during the drain is saved', async () => {
    const store = recorder();
    const saves = new WriteBehind({ flush: store.flush, intervalMs: 60_000 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const { app, url } = await serve({
      setup: (app) => {
        app.onShutdown(() => saves.close());
        app.use(saves.middleware({ keyOf: (ctx) => (ctx.payload as { room: string }).room }));
        app.register(Save, ({ room }) => room);
        app.register(Work, async () => {
          started();
          await gate;
        });
      },
    });
    const client = await WsTestClient.connect(url);
    await client.exchange('wb.save', { room: 'before' });
    const reply = client.exchange('wb.work', { room: 'during' }, 10_000);
    await within(running, 5000, 'the slow command to start');
    const drained = app.drain({ deadlineMs: 10_000 });
    await client.waitFor((frame) => frame.type === 'session.draining', 'session.draining');
    assert.deepEqual(store.calls, [], 'nothing flushed before the interval or the shutdown');
    release();
    assert.equal((await within(reply, 5000, 'the slow reply')).kind, 'result');
    assert.equal(await within(drained, 5000, 'the drain'), true);
    assert.deepEqual(store.calls.flat().sort(), ['before', 'during']);
    assert.equal(saves.dirty, 0);
  });

  it('reports a failed interval flush on app.errors$ and in the log through onError, and a failed shutdown task too', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const app = new Switchyard({ logger: pino({ level: 'info' }, stream) });
    const errors: unknown[] = [];
    app.errors$.subscribe((error) => errors.push(error));
    const store = recorder();
    store.fail.add(1);
    store.fail.add(2);
    const saves = new WriteBehind({ flush: store.flush, intervalMs: 50, onError: (error) => app.reportError(error, 'room stats not saved') });
    app.onShutdown(() => saves.close());
    saves.mark('a');
    await within(
      new Promise<void>((resolve) => {
        const subscription = app.errors$.subscribe(() => {
          subscription.unsubscribe();
          resolve();
        });
      }),
      5000,
      'the failed flush to be reported',
    );
    await app.close();
    assert.deepEqual(
      errors.map((error) => (error as Error).message),
      ['store down (call 1)', 'store down (call 2)'],
      'the interval failure through onError, the final flush through the shutdown task',
    );
    assert.deepEqual(
      lines.filter((line) => line['level'] === 50).map((line) => line['msg']),
      ['room stats not saved', 'a shutdown task failed'],
    );
    assert.equal(saves.dirty, 1, 'the key is still dirty: nothing was lost silently');
  });

  it('onShutdown: tasks run once at close, a removed or aborted one does not, and a failing one does not stop the shutdown', async () => {
    const app = new Switchyard({ logger: testLogger() });
    const ran: string[] = [];
    app.onShutdown(() => void ran.push('kept'));
    app.onShutdown(() => {
      throw new Error('failed task');
    });
    const remove = app.onShutdown(() => void ran.push('removed'));
    remove();
    const controller = new AbortController();
    app.onShutdown(() => void ran.push('aborted'), { signal: controller.signal });
    controller.abort();
    const errors: unknown[] = [];
    app.errors$.subscribe((error) => errors.push(error));
    assert.throws(() => app.onShutdown('close' as never), TypeError);
    await app.close();
    await app.close();
    assert.deepEqual(ran, ['kept']);
    assert.deepEqual(
      errors.map((error) => (error as Error).message),
      ['failed task'],
    );
  });
});
