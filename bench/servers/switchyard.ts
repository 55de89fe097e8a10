// Switchyard over its ws transport, protocol v1, every payload validated.
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { z } from 'zod';
import { Switchyard, WebSocketTransport, defineCommand, defineEvent, jwtAuthenticator, to, typed } from '../../src/index.js';
import type { WebSocketTransportOptions } from '../../src/index.js';
import { announce } from './server-kit.js';
import { TELEMETRY_MODES, telemetryFor, type TelemetryMode } from './telemetry-mode.js';

const { values } = parseArgs({ options: { 'heartbeat-ms': { type: 'string' }, telemetry: { type: 'string', default: 'off' }, 'jwt-secret': { type: 'string' }, recovery: { type: 'string', default: 'off' }, 'recovery-replies': { type: 'string' } } });
const mode = values.telemetry as TelemetryMode;
if (!TELEMETRY_MODES.includes(mode)) throw new TypeError(`--telemetry must be one of ${TELEMETRY_MODES.join(', ')}`);
const telemetry = telemetryFor(mode);

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
const app = new Switchyard({
  logger: pino({ level: 'silent' }),
  telemetry,
  // --recovery memory: sessions that survive a reconnect, in memory (bench/recovery.ts compares it with off).
  ...(values.recovery === 'memory' ? { recovery: values['recovery-replies'] === undefined ? true : { maxRepliesPerSession: Number(values['recovery-replies']) } } : {}),
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

const options: WebSocketTransportOptions = { port: 0, host: '127.0.0.1' };
// The JWT storm: HS256 tokens in the Authorization header, as an application configures it.
const secret = values['jwt-secret'];
if (secret !== undefined) Object.assign(options, { authenticate: jwtAuthenticator({ secret }) });
if (values['heartbeat-ms'] !== undefined) {
  // Passed through as is, so the bench runs on builds with or without the heartbeat option.
  Object.assign(options, { heartbeatIntervalMs: Number(values['heartbeat-ms']) });
}
const transport = await app.listen(new WebSocketTransport(options));
announce(transport.address.port, () => transport.connections);
