import type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * Whether `value` is a Standard Schema (zod, valibot, arktype...) rather
 * than a `typed<T>()` marker, which carries nothing at run time.
 *
 * @example
 * const schema = isStandardSchema(spec.payload) ? spec.payload : undefined;
 */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && '~standard' in value;
}
