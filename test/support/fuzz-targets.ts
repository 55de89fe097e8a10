/** The application every fuzz runs against: one command that answers, one that throws, one with a schema. */
import { z } from 'zod';
import { defineCommand, typed, type Switchyard } from '../../src/index.js';

/** The payload nesting the fuzzed application allows (its `limits.maxPayloadDepth`). */
export const FUZZ_MAX_DEPTH = 32;

export const FuzzEcho = defineCommand('echo', { payload: typed<unknown>(), result: typed<unknown>() });
export const FuzzBoom = defineCommand('boom', { payload: typed<unknown>() });
export const strictPayload = z.object({ room: z.string().min(1), n: z.number().int() });
export const FuzzStrict = defineCommand('strict', { payload: strictPayload, result: typed<number>() });

/** What a failing handler throws; it must never reach a client. */
export const FUZZ_SECRET = 'kaboom: the database password is hunter2';

/** The commands every fuzzed server runs: one that answers, one that throws, one with a schema. */
export function registerFuzzTargets(app: Switchyard): Switchyard {
  return app
    .register(FuzzEcho, (payload) => payload)
    .register(FuzzBoom, () => {
      throw new Error(FUZZ_SECRET);
    })
    .register(FuzzStrict, (payload) => payload.n);
}
