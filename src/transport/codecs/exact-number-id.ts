import { isLosslessNumber, parse } from 'lossless-json';

/**
 * The exact source text of a frame's top-level numeric `id`, for an id
 * that `JSON.parse` could not keep (past 2^53, or with a fraction): JSON-RPC
 * answers with the id exactly as sent. Only that rare frame pays for the
 * second, lossless parse. `undefined` when the id is not a number there.
 * With `index`, the frame is a batch and the id that of its request at `index`.
 *
 * @example
 * exactNumberId('{"jsonrpc":"2.0","method":"echo","id":9007199254740993}'); // '9007199254740993'
 */
export function exactNumberId(data: Buffer | string, index?: number): string | undefined {
  try {
    const parsed = parse(typeof data === 'string' ? data : data.toString('utf8')) as unknown;
    // In a batch, the id is that of the request at `index`.
    const frame = (index === undefined ? parsed : Array.isArray(parsed) ? parsed[index] : undefined) as { id?: unknown } | null | undefined;
    const id = frame?.id;
    return isLosslessNumber(id) ? id.value : undefined;
  } catch {
    return undefined;
  }
}
