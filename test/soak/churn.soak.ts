/**
 * The churn soak: 50,000 connect/join/leave/disconnect cycles over real
 * sockets, 40 at a time, with the heap measured after full collections every
 * 10,000 cycles. The heap must end within 5% of its baseline, and indexes,
 * presence and backplane subscriptions must be back where they started.
 * `npm test` runs the short version (test/churn.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settledMemory } from '../support/gc.js';
import { assertNothingLeft, churn, idle, serveWarmedUpChurn } from '../support/churn.js';

const CYCLES = 50_000;
const CHECKPOINT = 10_000;
const WARM_UP = 5_000;
const HEAP_TOLERANCE = 0.05;

const mib = (bytes: number): string => (bytes / 1048576).toFixed(2);

test(`churn soak: ${CYCLES} connect/join/leave/disconnect cycles end with the heap within 5% of baseline and nothing left behind`, { timeout: 600_000 }, async (t) => {
  const { app, transport, url, backplane, baseline, subscribers, started } = await serveWarmedUpChurn(WARM_UP);
  try {
    const series: string[] = [];

    for (let done = 0; done < CYCLES; done += CHECKPOINT) {
      await churn(url, WARM_UP + done, CHECKPOINT);
      await idle(transport);
      const { heapUsed } = await settledMemory();
      series.push(`${(done + CHECKPOINT) / 1000}k: ${mib(heapUsed)} MiB`);
      await assertNothingLeft(app, transport, backplane, subscribers);
    }
    const elapsedMs = Date.now() - started;
    const after = await settledMemory();
    const growth = (after.heapUsed - baseline.heapUsed) / baseline.heapUsed;
    t.diagnostic(
      `churn soak: ${CYCLES} cycles in ${(elapsedMs / 1000).toFixed(1)} s (${Math.round(CYCLES / (elapsedMs / 1000))} cycles/s); ` +
        `heap after GC: baseline ${mib(baseline.heapUsed)} MiB, ${series.join(', ')}; ` +
        `end ${mib(after.heapUsed)} MiB (${(growth * 100).toFixed(2)}% of baseline, bound 5%); buffers ${mib(baseline.arrayBuffers)} -> ${mib(after.arrayBuffers)} MiB`,
    );
    assert.ok(growth < HEAP_TOLERANCE, `the heap grew ${(growth * 100).toFixed(2)}% over ${CYCLES} cycles (${series.join(', ')})`);
  } finally {
    await app.close();
  }
  assert.equal(backplane.subscribers, 0, 'closing the transport unsubscribes');
});
