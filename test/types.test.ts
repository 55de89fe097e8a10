/**
 * Type tests: this file compiles only if the inferred types are right. The
 * `@ts-expect-error` lines fail the build if the error they expect goes away.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { z } from 'zod';
import { Switchyard, defineCommand, defineEvent, to, typed, type EventPayloadOf, type InputOf, type PayloadOf, type ResultOf } from '../src/index.js';
import { testLogger } from './support/harness.js';
import { SwitchyardClient } from '../src/client/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

const Rename = defineCommand('user.rename', {
  payload: z.object({ name: z.string().transform((name) => name.trim()), times: z.number().default(1) }),
  result: typed<{ renamed: boolean }>(),
});
const Renamed = defineEvent('user.renamed', typed<{ name: string }>());

expectType<Equal<(typeof Rename)['type'], 'user.rename'>>();
expectType<Equal<InputOf<typeof Rename>, { name: string; times?: number | undefined }>>();
expectType<Equal<PayloadOf<typeof Rename>, { name: string; times: number }>>();
expectType<Equal<ResultOf<typeof Rename>, { renamed: boolean }>>();

it('infers handler payloads and results from the definition, with no casts', () => {
  const app = new Switchyard({ logger: testLogger() });
  app.register(Rename, (payload, ctx) => {
    expectType<Equal<typeof payload, { name: string; times: number }>>();
    ctx.publish(Renamed, { name: payload.name }, to.user('u1'));
    // @ts-expect-error: the event's payload is { name: string }
    ctx.publish(Renamed, { nom: 'x' }, to.all());
    return { renamed: true };
  });
  const Other = defineCommand('other', { payload: typed<{ n: number }>(), result: typed<string>() });
  // @ts-expect-error: a handler must return the command's result type
  app.register(Other, ({ n }) => n);
  assert.ok(app.bus.has('user.rename'));
});

// A result schema gives the result type (its output), as typed<T>() does; no result is void.
const Join = defineCommand('room.join', {
  payload: z.object({ room: z.string() }),
  result: z.object({ room: z.string(), size: z.number().default(0) }),
});
const Parsed = defineCommand('parsed', { payload: typed<string>(), result: z.string().transform((text) => text.length) });
const Fire = defineCommand('fire', { payload: typed<null>() });
expectType<Equal<ResultOf<typeof Join>, { room: string; size: number }>>();
expectType<Equal<ResultOf<typeof Parsed>, number>>();
expectType<Equal<ResultOf<typeof Fire>, void>>();
expectType<Equal<PayloadOf<typeof Join>, { room: string }>>();

// An event schema gives the payload type (its output), as typed<T>() does.
const Closed = defineEvent('room.closed', z.object({ room: z.string(), at: z.number().default(0) }));
expectType<Equal<EventPayloadOf<typeof Closed>, { room: string; at: number }>>();
expectType<Equal<EventPayloadOf<typeof Renamed>, { name: string }>>();

it('checks handlers and publishers against result and event schemas, and declares events', () => {
  const app = new Switchyard({ logger: testLogger() });
  app.register(Join, ({ room }, ctx) => {
    ctx.publish(Closed, { room, at: 1 }, to.all());
    // @ts-expect-error: the event's payload needs `at`, the schema's output type
    ctx.publish(Closed, { room }, to.all());
    return { room, size: 1 };
  });
  // @ts-expect-error: a handler must return the result schema's output type
  app.register(Parsed, (text) => text);
  app.publishes(Closed, Renamed);
  // @ts-expect-error: publishes() takes event definitions, not their types
  assert.throws(() => app.publishes('room.closed'), TypeError);
  const operations = Object.values(app.asyncapi({ title: 'types', version: '1' }).operations);
  assert.deepEqual(operations.map(({ action, title }) => `${action} ${title}`), ['send room.join', 'send parsed', 'send session.reauth', 'receive session.connected', 'receive session.draining', 'receive room.closed', 'receive user.renamed']);
});

it('types a client answerer from the request definition, and ctx.ask from it too', () => {
  const Confirm = defineCommand('ui.confirm', { payload: typed<{ text: string }>(), result: typed<{ ok: boolean }>() });
  const client = new SwitchyardClient<{ Confirm: typeof Confirm }>({ url: 'ws://127.0.0.1:1/ws', WebSocket: class {} as never, reconnect: false });
  const off = client.handle(Confirm, (payload) => {
    expectType<Equal<typeof payload, { text: string }>>();
    return { ok: payload.text.length > 0 };
  });
  off();
  client.handle('ui.confirm', async ({ text }) => ({ ok: text === 'yes' }));
  // Never called: these only have to fail to compile.
  const wrong = (): void => {
    // @ts-expect-error: the answer must be the request's result type
    client.handle(Confirm, () => ({ ok: 'yes' }));
    // @ts-expect-error: a wire type the contract does not define
    client.handle('ui.other', () => ({}));
  };
  assert.equal(typeof wrong, 'function');
  const app = new Switchyard({ logger: testLogger() });
  app.register(Rename, async (_payload, ctx) => {
    const answer = await ctx.ask('a-connection', Confirm, { text: 'rename?' });
    expectType<Equal<typeof answer, { ok: boolean }>>();
    // @ts-expect-error: the request's payload is { text: string }
    await ctx.ask('a-connection', Confirm, { txt: 'rename?' });
    return { renamed: answer.ok };
  });
  void client.close();
});
