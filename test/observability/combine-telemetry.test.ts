/** Several telemetries side by side: each is told everything, and each probe that sets a context wraps the handler. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineCommand, noTelemetry, Switchyard, typed, type CommandProbe, type Telemetry } from '../../src/index.js';
import { MemoryTransport } from '../../src/testing.js';

const Echo = defineCommand('echo', { payload: typed<string>(), result: typed<string>() });

/** A telemetry that writes down what it is told; with `wraps`, its probe runs the handler inside a marker. */
function recording(name: string, log: string[], wraps: boolean): Telemetry {
  const probe: CommandProbe = {
    logFields: wraps ? { [`${name}_id`]: name } : undefined,
    end: (outcome) => void log.push(`${name} end ${outcome}`),
    ...(wraps
      ? {
          run: <A, B, C, R>(fn: (a: A, b: B, c: C) => R, a: A, b: B, c: C): R => {
            log.push(`${name} enter`);
            try {
              return fn(a, b, c);
            } finally {
              log.push(`${name} leave`);
            }
          },
        }
      : {}),
  };
  return {
    commandStarted: (type) => {
      log.push(`${name} start ${type ?? 'unknown'}`);
      return probe;
    },
    eventPublished: () => undefined,
    forTransport: () => noTelemetry.forTransport('memory'),
  };
}

async function runEcho(telemetry: Telemetry[], log: string[]): Promise<void> {
  const app = new Switchyard({ telemetry }).register(Echo, (payload) => {
    log.push('handler');
    return payload;
  });
  try {
    const client = (await app.listen(new MemoryTransport())).connect();
    assert.equal(await client.request(Echo, 'x'), 'x');
  } finally {
    await app.close();
  }
}

describe('combining telemetries', () => {
  it('starts and ends every probe, and runs the handler once inside the one that sets a context', async () => {
    const log: string[] = [];
    await runEcho([recording('metrics', log, false), recording('tracing', log, true)], log);
    assert.deepEqual(log, ['metrics start echo', 'tracing start echo', 'tracing enter', 'handler', 'tracing leave', 'metrics end result', 'tracing end result']);
  });

  it('nests the handler inside every probe that sets a context, in order', async () => {
    const log: string[] = [];
    await runEcho([recording('a', log, true), recording('b', log, false), recording('c', log, true)], log);
    assert.deepEqual(log, ['a start echo', 'b start echo', 'c start echo', 'a enter', 'c enter', 'handler', 'c leave', 'a leave', 'a end result', 'b end result', 'c end result']);
  });

  it('runs the handler directly when no probe sets a context', async () => {
    const log: string[] = [];
    await runEcho([recording('a', log, false), recording('b', log, false)], log);
    assert.deepEqual(log, ['a start echo', 'b start echo', 'handler', 'a end result', 'b end result']);
  });
});
