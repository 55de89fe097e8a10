/** Logs go to a real pino destination stream, read back line by line. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Switchyard } from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';
import { Boom, Echo, SECRET, registerFixtures } from './support/fixtures.js';
import { captureLogs } from './support/log-capture.js';


async function flushed(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('logging', () => {
  it('writes one debug line per command with type, id, connection, duration and outcome', async () => {
    const { logger, lines } = captureLogs('debug');
    const app = registerFixtures(new Switchyard({ logger }));
    const client = (await app.listen(new MemoryTransport())).connect();
    await client.request(Echo, 'x');
    await flushed();
    const commandLines = lines.filter((line) => line['msg'] === 'command');
    assert.equal(commandLines.length, 1);
    const [line] = commandLines;
    assert.equal(line?.['level'], 20);
    assert.equal(line?.['type'], 'test.echo');
    assert.equal(line?.['commandId'], 'm1');
    assert.equal(line?.['connectionId'], client.connectionId);
    assert.equal(line?.['outcome'], 'result');
    assert.equal(typeof line?.['durationMs'], 'number');
    await app.close();
  });

  it('logs an unexpected handler failure at error level with its stack, which the client never sees', async () => {
    const { logger, lines } = captureLogs('debug');
    const app = registerFixtures(new Switchyard({ logger }));
    const client = (await app.listen(new MemoryTransport())).connect();
    await assert.rejects(client.request(Boom, {}), { code: 'INTERNAL' });
    await flushed();
    const failure = lines.find((line) => line['level'] === 50);
    const err = failure?.['err'] as { message: string; stack: string } | undefined;
    assert.equal(err?.message, SECRET);
    assert.match(err?.stack ?? '', /at /);
    assert.equal(failure?.['type'], 'test.boom');
    assert.ok(!JSON.stringify(client.frames).includes('hunter2'));
    await app.close();
  });

  it('writes nothing per command at the default info level', async () => {
    const { logger, lines } = captureLogs();
    const app = registerFixtures(new Switchyard({ logger }));
    const client = (await app.listen(new MemoryTransport())).connect();
    await client.request(Echo, 'quiet');
    await assert.rejects(client.request(Boom, {}), { code: 'INTERNAL' });
    await flushed();
    assert.deepEqual(lines.filter((line) => line['msg'] === 'command'), [], 'no per-command line, for a result or an error');
    assert.ok(
      lines.some((line) => line['level'] === 50 && line['type'] === 'test.boom'),
      'the handler failure reached this very stream, so the silence above is the level at work',
    );
    assert.deepEqual(lines.filter((line) => (line['level'] as number) < 30), [], 'nothing below info');
    await app.close();
  });
});
