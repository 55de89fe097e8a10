import type { StandardSchemaV1 } from '@standard-schema/spec';
import { CommandError, ErrorCode, type ErrorDetail } from '../protocol/errors.js';

/**
 * Validates a payload against a Standard Schema. Synchronous schemas stay
 * synchronous, so the common case costs no extra promise.
 */
export function validatePayload(schema: StandardSchemaV1, payload: unknown): unknown {
  const outcome = schema['~standard'].validate(payload);
  if (outcome instanceof Promise) return outcome.then(unwrap);
  return unwrap(outcome);
}

function unwrap(outcome: StandardSchemaV1.Result<unknown>): unknown {
  if (outcome.issues === undefined) return outcome.value;
  const details = outcome.issues.map(toDetail);
  throw new CommandError(ErrorCode.INVALID_PAYLOAD, details.map(describe).join('; '), details);
}

function toDetail(issue: StandardSchemaV1.Issue): ErrorDetail {
  const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.');
  return { path, message: issue.message };
}

function describe(detail: ErrorDetail): string {
  return detail.path === '' ? detail.message : `${detail.path}: ${detail.message}`;
}
