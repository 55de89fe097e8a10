import { handles, type HandlerFunction } from '../../src/index.js';
import { Echo } from '../contract.js';

/** Answers with the payload it was given. */
export const echo: HandlerFunction<typeof Echo> = (payload) => payload;

export default handles(Echo, echo);
