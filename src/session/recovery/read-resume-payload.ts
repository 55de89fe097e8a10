import { CommandError, ErrorCode } from '../../protocol/errors.js';
import type { SessionResumePayload } from '../../protocol/session-resume.js';

/** Longest token accepted: a real one is 32 characters, so anything much longer is garbage. */
const MAX_TOKEN_LENGTH = 256;
/** Most positions one resume may name. */
const MAX_POSITIONS = 1024;

/**
 * Checks a `session.resume` payload (it is untrusted) and returns it in
 * shape. A payload of the wrong shape is `INVALID_PAYLOAD`; a token that is
 * merely unknown or garbage is not an error here: the resume answers
 * `recovered: false`.
 */
export function readResumePayload(payload: unknown): { token: string; positions: Readonly<Record<string, string>> } {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new CommandError(ErrorCode.INVALID_PAYLOAD, 'session.resume takes {token, positions}');
  }
  const { token, positions } = payload as SessionResumePayload;
  if (typeof token !== 'string') throw new CommandError(ErrorCode.INVALID_PAYLOAD, 'token: a string is required');
  if (positions === undefined || positions === null) return { token: token.slice(0, MAX_TOKEN_LENGTH + 1), positions: {} };
  if (typeof positions !== 'object' || Array.isArray(positions)) throw new CommandError(ErrorCode.INVALID_PAYLOAD, 'positions: an object of stream to position is required');
  const entries = Object.entries(positions);
  if (entries.length > MAX_POSITIONS) throw new CommandError(ErrorCode.INVALID_PAYLOAD, `positions: at most ${MAX_POSITIONS} streams`);
  const checked: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [stream, pos] of entries) {
    if (typeof pos !== 'string') throw new CommandError(ErrorCode.INVALID_PAYLOAD, `positions.${stream}: a string is required`);
    checked[stream] = pos;
  }
  return { token: token.slice(0, MAX_TOKEN_LENGTH + 1), positions: checked };
}

/** Whether a token could be one this server issued; longer ones are refused without a lookup. */
export function plausibleToken(token: string): boolean {
  return token.length > 0 && token.length <= MAX_TOKEN_LENGTH;
}
