import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandError, defineCommand, jsonCodec, Switchyard, typed, type Codec } from '../../src/index.js';
import { MemoryTransport } from '../../src/testing.js';
import { testLogger } from '../support/harness.js';

const Confirm = defineCommand('ui.confirm', { payload: typed<{ text: string }>(), result: typed<{ ok: boolean }>() });
const Delete = defineCommand('item.delete', { payload: typed<{ owner: string }>(), result: typed<{ deleted: boolean } | { refused: string }>() });

function app(codec?: Codec): Switchyard {
  const created = new Switchyard({ logger: testLogger(), ...(codec === undefined ? {} : { codec }) });
  created.register(Delete, async ({ owner }, ctx) => {
    try {
      const { ok } = await ctx.ask(owner, Confirm, { text: 'delete it?' }, { timeoutMs: 200 });
      return { deleted: ok };
    } catch (error) {
      if (error instanceof CommandError) return { refused: error.code };
      throw error;
    }
  });
  return created;
}

describe('ctx.ask with the memory transport', () => {
  it('is answered by MemoryClient.handle(), and refused by what it throws', async () => {
    const application = app();
    const memory = await application.listen(new MemoryTransport());
    const owner = memory.connect({ user: { id: 'owner' } });
    const other = memory.connect();
    owner.handle(Confirm, ({ text }) => ({ ok: text === 'delete it?' }));
    assert.deepEqual(await other.request(Delete, { owner: owner.connectionId }), { deleted: true });
    owner.handle(Confirm, () => {
      throw new CommandError('NOT_YOURS', 'no');
    });
    assert.deepEqual(await other.request(Delete, { owner: owner.connectionId }), { refused: 'NOT_YOURS' });
    await application.close();
  });

  it('leaves a request without an answerer in the inbox, and times out', async () => {
    const application = app();
    const memory = await application.listen(new MemoryTransport());
    const [owner, other] = [memory.connect(), memory.connect()];
    assert.deepEqual(await other.request(Delete, { owner: owner.connectionId }), { refused: 'TIMEOUT' });
    const request = owner.frames.find((frame) => frame.kind === 'request');
    assert.deepEqual(request && { kind: request.kind, type: request.type, payload: request.payload }, { kind: 'request', type: 'ui.confirm', payload: { text: 'delete it?' } });
    await application.close();
  });

  it('is refused UNAVAILABLE at once when the connection\'s codec carries no requests', async () => {
    const { encodeRequest: _, ...withoutRequests } = jsonCodec;
    const application = app({ ...withoutRequests, name: 'no-requests' });
    const memory = await application.listen(new MemoryTransport());
    const [owner, other] = [memory.connect(), memory.connect()];
    assert.deepEqual(await other.request(Delete, { owner: owner.connectionId }), { refused: 'UNAVAILABLE' });
    assert.equal(owner.frames.some((frame) => frame.kind === 'request'), false);
    await application.close();
  });
});

describe('ctx.ask with a payload that cannot be encoded', () => {
  it('is refused INTERNAL at once, and the process goes on', async () => {
    const application = new Switchyard({ logger: testLogger() });
    const Odd = defineCommand('odd', { payload: typed<{ owner: string }>(), result: typed<string>() });
    application.register(Odd, async ({ owner }, ctx) => {
      try {
        await ctx.ask(owner, Confirm, { text: 1n } as never, { timeoutMs: 5000 });
        return 'answered';
      } catch (error) {
        return (error as CommandError).code;
      }
    });
    const memory = await application.listen(new MemoryTransport());
    const [owner, other] = [memory.connect(), memory.connect()];
    assert.equal(await other.request(Odd, { owner: owner.connectionId }), 'INTERNAL');
    await application.close();
  });
});
