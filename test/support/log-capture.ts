import { Writable } from 'node:stream';
import { pino } from 'pino';

/**
 * A pino logger writing to a real stream whose JSON lines are read back,
 * parsed, into `lines`; pino's own default level (info) unless told.
 */
export function captureLogs(level?: pino.Level): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino(level === undefined ? {} : { level }, stream), lines };
}
