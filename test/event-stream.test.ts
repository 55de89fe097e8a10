/** Events fan out; a failing delivery is reported and tears nothing down. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Subject, firstValueFrom, toArray } from 'rxjs';
import { EventPublisher, Switchyard, defineEvent, to, typed, type Backplane, type EventEnvelope } from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';
import { testLogger } from './support/harness.js';

const Tick = defineEvent('tick', typed<{ n: number | bigint }>());

describe('event stream', () => {
  it('publishes onto an RxJS stream in order, and completes it on close', async () => {
    const publisher = new EventPublisher();
    const all = firstValueFrom(publisher.events$.pipe(toArray()));
    publisher.publish(Tick, { n: 1 }, to.all());
    publisher.publish(Tick, { n: 2 }, to.room('r').except('c-1'));
    publisher.close();
    publisher.close();
    publisher.publish(Tick, { n: 3 }, to.all());
    assert.deepEqual(await all, [
      { type: 'tick', payload: { n: 1 }, audience: { kind: 'all' } },
      { type: 'tick', payload: { n: 2 }, audience: { kind: 'room', id: 'r', exclude: 'c-1' } },
    ]);
  });

  it('reports an event that cannot be encoded on errors$ and keeps delivering the next ones', async () => {
    const app = new Switchyard({ logger: testLogger() });
    const reported: unknown[] = [];
    app.errors$.subscribe((error) => reported.push(error));
    const client = (await app.listen(new MemoryTransport())).connect();
    app.publisher.publish(Tick, { n: 1n }, to.all());
    app.publisher.publish(Tick, { n: 2 }, to.all());
    assert.deepEqual(client.events(Tick), [{ n: 2 }]);
    assert.equal(reported.length, 1);
    assert.match(String(reported[0]), /BigInt/);
    await app.close();
  });

  it('reports a backplane that throws instead of crashing, and keeps publishing', async () => {
    const deliveries = new Subject<EventEnvelope>();
    let calls = 0;
    const flaky: Backplane = {
      deliveries,
      publish(envelope) {
        calls += 1;
        if (calls === 1) throw new Error('backplane down');
        deliveries.next(envelope);
      },
      close: async () => deliveries.complete(),
    };
    const app = new Switchyard({ logger: testLogger(), backplane: flaky });
    const reported: unknown[] = [];
    app.errors$.subscribe((error) => reported.push(error));
    const client = (await app.listen(new MemoryTransport())).connect();
    app.publisher.publish(Tick, { n: 1 }, to.all());
    app.publisher.publish(Tick, { n: 2 }, to.all());
    assert.deepEqual(client.events(Tick), [{ n: 2 }]);
    assert.deepEqual(reported.map(String), ['Error: backplane down']);
    await app.close();
  });
});
