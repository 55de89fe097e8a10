/**
 * Type tests: this file compiles only if the inferred types are right. The
 * `@ts-expect-error` lines fail the build if the error they expect goes away.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { z } from 'zod';
import { Switchyard, defineCommand, defineEvent, to, typed, type InputOf, type PayloadOf, type ResultOf } from '../src/index.js';
import { testLogger } from './support/harness.js';

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
