import { DiagnosticSeverity, Parser } from '@asyncapi/parser';

/** What `@asyncapi/parser` said of a document: its errors, and everything else it noted. */
export interface AsyncApiFindings {
  readonly errors: string[];
  /** Warnings, information and hints, which do not make a document invalid. */
  readonly notes: string[];
}

const parser = new Parser();

/**
 * Parses a document as a tool would read it (as JSON text) and
 * sorts the parser's diagnostics by severity.
 */
export async function parseAsyncApi(document: unknown): Promise<AsyncApiFindings> {
  const { diagnostics } = await parser.parse(JSON.stringify(document));
  const describe = (d: (typeof diagnostics)[number]): string => `${DiagnosticSeverity[d.severity]} ${String(d.code)} at ${d.path.join('.') || '(root)'}: ${d.message}`;
  return {
    errors: diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).map(describe),
    notes: diagnostics.filter((d) => d.severity !== DiagnosticSeverity.Error).map(describe),
  };
}

/** Follows a document-local JSON Reference (`#/a/b`) through `document`; throws if it leads nowhere. */
export function resolveRef(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) throw new Error(`not a local reference: ${ref}`);
  let node: unknown = document;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) throw new Error(`${ref} does not resolve (at "${key}")`);
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
