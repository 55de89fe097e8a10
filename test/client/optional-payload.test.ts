/**
 * The payload of `request` and `send` may be left out exactly when the
 * command's input accepts `undefined`. The `@ts-expect-error` lines fail the
 * build if a command that needs a payload ever accepts none.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { defineCommand, Switchyard, typed, WebSocketTransport } from '../../src/index.js';
import { SwitchyardClient, type RequestArgs } from '../../src/client/index.js';
import { eventually, within } from '../support/socket-harness.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

const Ping = defineCommand('ping', { payload: typed<void>(), result: typed<'pong'>() });
const Maybe = defineCommand('maybe', { payload: z.object({ verbose: z.boolean() }).optional(), result: typed<string>() });
const Needs = defineCommand('needs', { payload: typed<{ n: number }>(), result: typed<number>() });
const EmptyObject = defineCommand('empty', { payload: z.object({}), result: typed<string>() });
const Contract = { Ping, Maybe, Needs, EmptyObject };

expectType<Equal<RequestArgs<void>, [payload?: void, options?: import('../../src/client/index.js').RequestOptions]>>();
expectType<Equal<RequestArgs<{ n: number }>, [payload: { n: number }, options?: import('../../src/client/index.js').RequestOptions]>>();

/** Compiled, never run: the calls that must not type-check. */
export function payloadsThatAreRequired(client: SwitchyardClient<typeof Contract>): void {
  // @ts-expect-error: needs takes { n: number }
  void client.request(Needs);
  // @ts-expect-error: by wire type too
  void client.request('needs');
  // @ts-expect-error: send as well
  void client.send(Needs);
  // @ts-expect-error: an object schema without .optional() does not accept undefined, so {} must be sent
  void client.request(EmptyObject);
  // @ts-expect-error: a payload that is there is still checked
  void client.request(Maybe, { verbose: 'yes' });
}

describe('a command that takes no payload', { timeout: 10_000 }, () => {
  it('is requested and sent without one, by definition or by wire type; the handler receives undefined', async () => {
    const received: unknown[] = [];
    const app = new Switchyard({ logger: pino({ level: 'silent' }) });
    app.register(Ping, (payload) => {
      received.push(payload);
      return 'pong' as const;
    });
    app.register(Maybe, (payload) => (payload?.verbose === true ? 'verbose' : 'quiet'));
    app.register(Needs, ({ n }) => n * 2);
    app.register(EmptyObject, () => 'empty');
    const transport = await app.listen(new WebSocketTransport({ port: 0, host: '127.0.0.1' }));
    const client = new SwitchyardClient<typeof Contract>({ url: `ws://127.0.0.1:${transport.address.port}/ws`, WebSocket });
    try {
      const pong: 'pong' = await within(client.request(Ping), 5000, 'the reply to ping');
      assert.equal(pong, 'pong');
      assert.equal(await client.request('ping', undefined, { timeoutMs: 2000 }), 'pong');
      await client.send('ping');
      assert.equal(await client.request(Maybe), 'quiet');
      assert.equal(await client.request('maybe', { verbose: true }), 'verbose');
      assert.equal(await client.request(Needs, { n: 21 }), 42);
      assert.equal(await client.request(EmptyObject, {}), 'empty');
      await eventually(() => received.length === 3, 5000, 'the sent ping to run');
      assert.deepEqual(received, [undefined, undefined, undefined]);
    } finally {
      await client.close();
      await app.close();
    }
  });
});
