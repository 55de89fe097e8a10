import { pino } from 'pino';
import type { DemoServerOptions } from './demo-server.js';

/**
 * Reads the demo server's options from the environment: `PORT`, `HOST`,
 * `REDIS_URL`, `ROOM_CAPACITY`, `OTEL_EXPORTER_OTLP_ENDPOINT` (traces over
 * OTLP/HTTP), and `LOG_LEVEL` (default `info`) for the logger.
 * Unset variables keep the defaults; a
 * malformed number is an error, not a silent default.
 *
 * @example
 * await startDemoServer(demoOptionsFromEnv(process.env));
 */
export function demoOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): DemoServerOptions {
  const options: DemoServerOptions = {};
  const port = integer(env, 'PORT');
  if (port !== undefined) options.port = port;
  const capacity = integer(env, 'ROOM_CAPACITY');
  if (capacity !== undefined) options.roomCapacity = capacity;
  if (env['HOST']) options.host = env['HOST'];
  if (env['REDIS_URL']) options.redisUrl = env['REDIS_URL'];
  if (env['OTEL_EXPORTER_OTLP_ENDPOINT']) options.otlpEndpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  // The library logs nothing unless given a logger; the demo is an application and gives it one.
  options.logger = pino({ level: env['LOG_LEVEL'] || 'info' });
  return options;
}

function integer(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new RangeError(`${name} must be an integer, not "${text}"`);
  return value;
}
