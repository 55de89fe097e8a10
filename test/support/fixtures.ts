import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { CommandError, defineCommand, defineEvent, to, typed, type Audience, type Switchyard } from '../../src/index.js';

export const Echo = defineCommand('test.echo', { payload: typed<unknown>(), result: typed<unknown>() });
export const Add = defineCommand('test.add', { payload: z.object({ a: z.number(), b: z.number() }), result: typed<number>() });
export const Boom = defineCommand('test.boom', { payload: typed<unknown>() });
export const Refuse = defineCommand('test.refuse', { payload: typed<unknown>() });
export const Slow = defineCommand('test.slow', { payload: z.object({ ms: z.number() }), result: typed<string>() });
export const Delay = defineCommand('test.delay', { payload: z.object({ ms: z.number(), n: z.number() }), result: typed<number>() });
export const Join = defineCommand('test.join', { payload: z.object({ room: z.string() }), result: typed<string[]>() });
export const Shout = defineCommand('test.shout', {
  payload: z.object({
    text: z.string(),
    audience: z.enum(['connection', 'user', 'room', 'all']),
    id: z.string().optional(),
    exceptSender: z.boolean().optional(),
  }),
});

export const Shouted = defineEvent('test.shouted', typed<{ text: string; from: string }>());

/** Secrets a failing handler carries in its error, which must never reach a client. */
export const SECRET = 'db password hunter2 at /srv/app/handlers/boom.ts:12';

/** Registers the test commands; `aborted` collects the commands whose signal fired. */
export function registerFixtures(app: Switchyard, aborted: string[] = []): Switchyard {
  return app
    .register(Echo, (payload) => payload)
    .register(Add, ({ a, b }) => a + b)
    .register(Boom, () => {
      throw new Error(SECRET);
    })
    .register(Refuse, () => {
      throw new CommandError('ROOM_FULL', 'the room is full', [{ capacity: 2 }]);
    })
    .register(Slow, async ({ ms }, ctx) => {
      ctx.signal.addEventListener('abort', () => aborted.push(ctx.commandId ?? '?'));
      await delay(ms, undefined, { ref: false });
      return 'done';
    })
    .register(Delay, async ({ ms, n }) => {
      await delay(ms);
      return n;
    })
    .register(Join, async ({ room }, ctx) => {
      await ctx.join(room);
      return [...ctx.rooms];
    })
    .register(Shout, ({ text, audience, id, exceptSender }, ctx) => {
      const target = audienceOf(audience, id ?? '');
      ctx.publish(Shouted, { text, from: ctx.connectionId }, exceptSender === true ? target.except(ctx.connectionId) : target);
    });
}

function audienceOf(kind: 'connection' | 'user' | 'room' | 'all', id: string): Audience & { except(connectionId: string): Audience } {
  if (kind === 'all') return to.all();
  return to[kind](id);
}
