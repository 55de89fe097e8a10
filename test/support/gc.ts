import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Runs full collections until the heap stops shrinking, then returns heap and buffer bytes in use. */
export async function settledMemory(): Promise<{ heapUsed: number; arrayBuffers: number }> {
  let previous = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 10; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    collect();
    const { heapUsed } = process.memoryUsage();
    if (heapUsed >= previous * 0.995) break;
    previous = heapUsed;
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed, arrayBuffers };
}
