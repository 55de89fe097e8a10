import { isLosslessNumber, parse } from 'lossless-json';

/**
 * The exact source text of a frame's top-level numeric `id`, for an id
 * that `JSON.parse` could not keep (past 2^53, or with a fraction): JSON-RPC
 * answers with the id exactly as sent. Only that rare frame pays for the
 * second, lossless parse. `undefined` when the id is not a number there.
 *
 * @example
 * exactNumberId('{"jsonrpc":"2.0","method":"echo","id":9007199254740993}'); // '9007199254740993'
 */
export function exactNumberId(data: Buffer | string): string | undefined {
  try {
    const frame = parse(typeof data === 'string' ? data : data.toString('utf8')) as { id?: unknown } | null;
    const id = frame?.id;
    return isLosslessNumber(id) ? id.value : undefined;
  } catch {
    return undefined;
  }
}
