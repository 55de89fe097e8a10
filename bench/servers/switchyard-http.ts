// Switchyard over its HTTP transport: commands posted, events over Server-Sent Events, every payload validated.
import { pino } from 'pino';
import { z } from 'zod';
import { HttpTransport, Switchyard, defineCommand, defineEvent, to, typed } from '../../src/index.js';
import { announce } from './server-kit.js';

const Echo = defineCommand('echo', { payload: z.object({ n: z.number(), text: z.string() }), result: typed<{ n: number; text: string }>() });
const RoomJoin = defineCommand('room.join', { payload: z.object({ room: z.string() }), result: typed<{ room: string }>() });
const Fanout = defineCommand('fanout', { payload: z.object({ room: z.string(), seq: z.number(), text: z.string() }), result: typed<{ ok: boolean }>() });
const Tick = defineEvent('tick', typed<{ room: string; seq: number; text: string }>());

// As in the WebSocket bench server: the limiters run on every command, their ceilings out of reach.
const outOfReach = { burst: 1_000_000, perSecond: 1_000_000 };
const app = new Switchyard({
  logger: pino({ level: 'silent' }),
  limits: { rateLimit: outOfReach, publishRate: outOfReach, perAddress: { maxConnections: 1_000_000, connectRate: outOfReach, commandRate: outOfReach } },
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

const transport = await app.listen(new HttpTransport({ port: 0, host: '127.0.0.1', heartbeatIntervalMs: 0 }));
announce(transport.address.port, () => transport.stats.connections);
