// Switchyard over its ws transport, protocol v1, every payload validated.
import { parseArgs } from 'node:util';
import { WebSocketTransport, jwtAuthenticator, type WebSocketTransportOptions } from '../../src/index.js';
import { benchApp } from './bench-app.js';
import { announce } from './server-kit.js';
import { TELEMETRY_MODES, telemetryFor, type TelemetryMode } from './telemetry-mode.js';

const { values } = parseArgs({ options: { 'heartbeat-ms': { type: 'string' }, telemetry: { type: 'string', default: 'off' }, 'jwt-secret': { type: 'string' }, recovery: { type: 'string', default: 'off' }, 'recovery-replies': { type: 'string' } } });
const mode = values.telemetry as TelemetryMode;
if (!TELEMETRY_MODES.includes(mode)) throw new TypeError(`--telemetry must be one of ${TELEMETRY_MODES.join(', ')}`);
const telemetry = telemetryFor(mode);

const app = benchApp({
  telemetry,
  // --recovery memory: sessions that survive a reconnect, in memory (bench/recovery.ts compares it with off).
  ...(values.recovery === 'memory' ? { recovery: values['recovery-replies'] === undefined ? true : { maxRepliesPerSession: Number(values['recovery-replies']) } } : {}),
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
