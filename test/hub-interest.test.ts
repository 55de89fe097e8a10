/** What the hub tells a backplane that routes by interest, through its public hooks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineCommand, MemoryBackplane, Switchyard, typed, type InterestKey } from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';

const Join = defineCommand('interest.join', { payload: typed<{ room: string }>() });
const Leave = defineCommand('interest.leave', { payload: typed<{ room: string }>() });

/** A memory backplane that counts interests, and confirms them only when told. */
class CountingBackplane extends MemoryBackplane {
  readonly counts = new Map<string, number>();
  confirmations: Array<() => void> = [];
  held = false;

  interest(key: InterestKey): Promise<void> {
    const name = `${key.kind}:${key.id}`;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    if (!this.held) return Promise.resolve();
    return new Promise((resolve) => this.confirmations.push(resolve));
  }

  disinterest(key: InterestKey): void {
    const name = `${key.kind}:${key.id}`;
    const count = (this.counts.get(name) ?? 0) - 1;
    assert.ok(count >= 0, `${name} released more often than acquired`);
    if (count === 0) this.counts.delete(name);
    else this.counts.set(name, count);
  }
}

async function start(backplane: CountingBackplane): Promise<{ app: Switchyard; memory: MemoryTransport }> {
  const app = new Switchyard({ backplane });
  app.register(Join, async ({ room }, ctx) => ctx.join(room));
  app.register(Leave, async ({ room }, ctx) => ctx.leave(room));
  return { app, memory: await app.listen(new MemoryTransport()) };
}

describe('the hub and a backplane that routes by interest', () => {
  it('declares each connection, user and room membership, and releases every one of them', async () => {
    const backplane = new CountingBackplane();
    const { app, memory } = await start(backplane);
    const ann = memory.connect({ user: { id: 'ann' } });
    const ann2 = memory.connect({ user: { id: 'ann' } });
    const guest = memory.connect();
    await ann.request(Join, { room: 'lobby' });
    await ann2.request(Join, { room: 'lobby' });
    await ann2.request(Join, { room: 'kitchen' });
    await guest.request(Join, { room: 'lobby' });
    assert.deepEqual(Object.fromEntries(backplane.counts), {
      [`connection:${ann.connectionId}`]: 1,
      [`connection:${ann2.connectionId}`]: 1,
      [`connection:${guest.connectionId}`]: 1,
      'user:ann': 2,
      'room:lobby': 3,
      'room:kitchen': 1,
    });
    await ann2.request(Leave, { room: 'kitchen' });
    assert.equal(backplane.counts.has('room:kitchen'), false);
    ann.close();
    ann2.close();
    guest.close();
    await app.close();
    assert.deepEqual(Object.fromEntries(backplane.counts), {}, 'every interest released');
  });

  it('resolves a join, and greets a connection, only once the backplane confirmed the interest', async () => {
    const backplane = new CountingBackplane();
    const { app, memory } = await start(backplane);
    backplane.held = true;
    const ann = memory.connect({ user: { id: 'ann' } });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ann.frames.length, 0, 'not greeted before its channels are confirmed');
    for (const confirm of backplane.confirmations.splice(0)) confirm();
    await ann.waitFor((frame) => frame.kind === 'event' && frame.type === 'session.connected', 'the greeting');

    let joined = false;
    const joining = ann.request(Join, { room: 'lobby' }).then(() => (joined = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(joined, false, 'the join waits for the room to be confirmed');
    for (const confirm of backplane.confirmations.splice(0)) confirm();
    await joining;
    ann.close();
    await app.close();
  });
});
