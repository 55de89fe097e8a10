// The application every Switchyard bench server serves, whatever the transport: echo, room.join and
// fanout, every payload validated by zod.
import { pino } from 'pino';
import { z } from 'zod';
import { Switchyard, defineCommand, defineEvent, to, typed, type SwitchyardOptions } from '../../src/index.js';

const Echo = defineCommand('echo', { payload: z.object({ n: z.number(), text: z.string() }), result: typed<{ n: number; text: string }>() });
const RoomJoin = defineCommand('room.join', { payload: z.object({ room: z.string() }), result: typed<{ room: string }>() });
const Fanout = defineCommand('fanout', {
  payload: z.object({ room: z.string(), seq: z.number(), text: z.string() }),
  result: typed<{ ok: boolean }>(),
});
const Tick = defineEvent('tick', typed<{ room: string; seq: number; text: string }>());

// Closed-loop load sends far more commands per connection than the default rate limit (100/s) allows,
// and every connection comes from one address. The limiters still run on every command, as they do
// for users; their ceilings are set out of reach.
const outOfReach = { burst: 1_000_000, perSecond: 1_000_000 };

/** The bench application, silent, with `options` (telemetry, recovery) on top. */
export function benchApp(options: SwitchyardOptions = {}): Switchyard {
  const app = new Switchyard({
    logger: pino({ level: 'silent' }),
    limits: { rateLimit: outOfReach, publishRate: outOfReach, perAddress: { maxConnections: 1_000_000, connectRate: outOfReach, commandRate: outOfReach } },
    ...options,
  });
  app.register(Echo, (payload) => payload);
  app.register(RoomJoin, async (payload, ctx) => {
    await ctx.join(payload.room);
    return { room: payload.room };
  });
  app.register(Fanout, (payload, ctx) => {
    ctx.publish(Tick, payload, to.room(payload.room));
    return { ok: true };
  });
  return app;
}
