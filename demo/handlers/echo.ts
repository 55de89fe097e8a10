import type { HandlerFunction } from '../../src/index.js';
import type { Echo } from '../contract.js';

/** Answers with the payload it was given. */
export const echo: HandlerFunction<typeof Echo> = (payload) => payload;
