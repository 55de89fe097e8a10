/** The testing kit's waits: every one has a deadline and says what it awaited. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Switchyard, defineEvent, typed, type ServerFrame } from '../src/index.js';
import { FrameInbox, MemoryTransport } from '../src/testing.js';
import { Echo, registerFixtures } from './support/fixtures.js';

const Ping = defineEvent('test.ping', typed<{ n: number }>());

/** An inbox a test can hand frames to, as a transport's client would. */
class Inbox extends FrameInbox {
  deliver(frame: ServerFrame): void {
    this.push(frame);
  }
}

const isReply = (id: string) => (frame: ServerFrame) => frame.kind !== 'event' && frame.id === id;

describe('FrameInbox', () => {
  it('resolves with a frame that arrives before the deadline, and with one already received', async () => {
    const inbox = new Inbox();
    const waiting = inbox.waitFor(isReply('a'), 'the reply to a', 1000);
    inbox.deliver({ kind: 'result', id: 'a', payload: 1 });
    assert.deepEqual(await waiting, { kind: 'result', id: 'a', payload: 1 });
    assert.deepEqual(await inbox.waitFor(isReply('a'), 'the reply to a', 1), { kind: 'result', id: 'a', payload: 1 });
  });

  it('rejects a wait that outlives its deadline, naming what it awaited and what came instead', async () => {
    const inbox = new Inbox();
    inbox.deliver({ kind: 'result', id: 'other', payload: 'x' });
    await assert.rejects(inbox.waitFor(isReply('lost'), 'the reply to lost', 20), {
      message: 'timed out after 20 ms waiting for the reply to lost (1 frame received, the last: {"kind":"result","id":"other","payload":"x"})',
    });
  });

  it('names the predicate when the wait has no description', async () => {
    const inbox = new Inbox();
    await assert.rejects(
      inbox.waitFor((frame) => frame.kind === 'error', undefined, 10),
      /^Error: timed out after 10 ms waiting for a frame matching \(frame\) => frame\.kind === 'error' \(no frame received\)$/,
    );
  });

  it('names the event type nextEvent awaited', async () => {
    const inbox = new Inbox();
    await assert.rejects(inbox.nextEvent(Ping, 10), { message: 'timed out after 10 ms waiting for the event test.ping (no frame received)' });
  });

  it('waits 5000 ms when not told, by waitFor and nextEvent alike', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const inbox = new Inbox();
    const outcomes: string[] = [];
    const frame = inbox.waitFor(isReply('late')).then(
      () => outcomes.push('frame resolved'),
      () => outcomes.push('frame rejected'),
    );
    const event = inbox.nextEvent(Ping).then(
      () => outcomes.push('event resolved'),
      () => outcomes.push('event rejected'),
    );
    await Promise.resolve();
    t.mock.timers.tick(4999);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(outcomes, [], 'nothing settles before 5000 ms');
    t.mock.timers.tick(1);
    await Promise.all([frame, event]);
    assert.deepEqual(outcomes.sort(), ['event rejected', 'frame rejected']);
  });

  it('waits for ever when told Infinity', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const inbox = new Inbox();
    const waiting = inbox.nextEvent(Ping, Number.POSITIVE_INFINITY);
    t.mock.timers.tick(2_147_483_647);
    inbox.deliver({ kind: 'event', type: 'test.ping', payload: { n: 7 } });
    assert.deepEqual(await waiting, { n: 7 });
  });

  it('keeps serving later waits after one timed out', async () => {
    const inbox = new Inbox();
    await assert.rejects(inbox.waitFor(isReply('x'), 'x', 5));
    const later = inbox.waitFor(isReply('x'), 'x again', 1000);
    inbox.deliver({ kind: 'result', id: 'x', payload: 2 });
    assert.deepEqual(await later, { kind: 'result', id: 'x', payload: 2 });
  });

  for (const bad of [0, -1, 1.5, Number.NaN, 2_147_483_648]) {
    it(`rejects a timeoutMs of ${bad} with a RangeError`, async () => {
      await assert.rejects(new Inbox().waitFor(isReply('x'), 'x', bad), RangeError);
    });
  }

  it('bounds a memory client that waits for an event that never comes', async () => {
    const app = registerFixtures(new Switchyard());
    const client = (await app.listen(new MemoryTransport())).connect();
    assert.equal(await client.request(Echo, 'hi'), 'hi');
    await assert.rejects(client.nextEvent(Ping, 20), /waiting for the event test\.ping \(2 frames received, the last: \{"kind":"result","id":"m1","payload":"hi"\}\)/);
    await app.close();
  });
});
