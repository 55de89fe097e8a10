/** Connection churn, short: the long version is test/soak/churn.soak.ts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settledMemory } from './support/gc.js';
import { assertNothingLeft, churn, idle, serveWarmedUpChurn } from './support/churn.js';

const CYCLES = 12_000;
const WARM_UP = 1_000;
const HEAP_BOUND = 4 * 1024 * 1024;

test(`churn: ${CYCLES} connect/join/leave/disconnect cycles leave heap, indexes, presence and subscriptions at baseline`, { timeout: 120_000 }, async (t) => {
  const { app, transport, url, backplane, baseline, subscribers, started } = await serveWarmedUpChurn(WARM_UP);
  try {

    await churn(url, WARM_UP, CYCLES);
    await idle(transport);
    const after = await settledMemory();
    const delta = after.heapUsed - baseline.heapUsed;
    t.diagnostic(
      `churn: ${CYCLES} cycles in ${Date.now() - started} ms, heap ${(baseline.heapUsed / 1048576).toFixed(1)} MiB -> ${(after.heapUsed / 1048576).toFixed(1)} MiB (delta ${(delta / 1024).toFixed(0)} KiB, bound ${HEAP_BOUND / 1048576} MiB)`,
    );

    await assertNothingLeft(app, transport, backplane, subscribers);
    assert.ok(delta < HEAP_BOUND, `heap grew by ${delta} bytes`);
  } finally {
    await app.close();
  }
  assert.equal(backplane.subscribers, 0, 'closing the transport unsubscribes');
});
