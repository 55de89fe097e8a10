import type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec';

/** A JSON Schema (draft-07, as AsyncAPI's schema format extends it), as plain JSON. */
export type JsonSchema = { [keyword: string]: unknown };

/** Which side of a schema to describe: what it accepts, or what it produces. */
export type SchemaSide = 'input' | 'output';

/**
 * The JSON Schema of a Standard Schema, through Standard JSON Schema
 * (`~standard.jsonSchema`, draft-07). Never throws: a missing schema, a
 * library without the converter, or a type JSON Schema cannot express (a
 * transform, a `Date`) gives an empty schema whose description says why.
 * `typedOnly` describes a value declared with `typed<T>()`.
 *
 * @example
 * toJsonSchema(z.object({ room: z.string() }), 'input', 'TypeScript only');
 * // { type: 'object', properties: { room: { type: 'string' } }, required: ['room'] }
 */
export function toJsonSchema(schema: StandardSchemaV1 | undefined, side: SchemaSide, typedOnly: string): JsonSchema {
  if (schema === undefined) return { description: typedOnly };
  const standard = schema['~standard'] as Partial<StandardJSONSchemaV1.Props>;
  const vendor = typeof standard.vendor === 'string' ? standard.vendor : 'unknown';
  const converter = standard.jsonSchema;
  if (typeof converter?.[side] !== 'function') {
    return { description: `Validated at run time by a ${vendor} schema, which offers no JSON Schema (Standard JSON Schema, \`~standard.jsonSchema\`).` };
  }
  try {
    // A round trip through JSON keeps only what a JSON document can hold, and shares nothing with the library.
    const converted = JSON.parse(JSON.stringify(converter[side]({ target: 'draft-07' }))) as JsonSchema;
    delete converted['$schema'];
    return converted;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { description: `The ${side} of this ${vendor} schema has no JSON Schema form (${reason}).` };
  }
}

// Keywords whose values are data, not schemas: a `$ref` inside them is not a reference.
const dataKeywords = new Set(['const', 'enum', 'default', 'examples']);
// Keywords whose values map names (of properties, of definitions) to schemas.
const schemaMaps = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies']);

/**
 * Rewrites the document-local references of a schema (`#`, `#/definitions/...`)
 * so that they still resolve once the schema sits at `base` inside a larger
 * document (a recursive zod schema refers to itself as `#`).
 *
 * @example
 * rebaseRefs({ items: { $ref: '#' } }, '#/components/schemas/tree'); // { items: { $ref: '#/components/schemas/tree' } }
 */
export function rebaseRefs(schema: JsonSchema, base: string): JsonSchema {
  return rebase(schema, base, false) as JsonSchema;
}

function rebase(value: unknown, base: string, namesSchemas: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => rebase(item, base, false));
  if (typeof value !== 'object' || value === null) return value;
  const out: JsonSchema = {};
  for (const [key, child] of Object.entries(value)) {
    let rebased: unknown;
    if (namesSchemas) rebased = rebase(child, base, false);
    else if (key === '$ref' && typeof child === 'string' && child.startsWith('#')) rebased = base + child.slice(1);
    else if (dataKeywords.has(key)) rebased = child;
    else rebased = rebase(child, base, schemaMaps.has(key));
    // defineProperty, not assignment: a property named "__proto__" stays a property.
    Object.defineProperty(out, key, { value: rebased, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
