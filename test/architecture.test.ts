import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The layers of src/, and what each may import (docs/architecture.md draws them).
// Arrows go one way: transport -> session -> commands -> observability -> events -> protocol; client -> protocol.
const mayImport: Readonly<Record<string, readonly string[]>> = {
  protocol: [],
  events: ['protocol'],
  observability: ['events', 'protocol'],
  commands: ['observability', 'events', 'protocol'],
  auth: ['commands', 'events', 'protocol'],
  session: ['commands', 'observability', 'events', 'protocol'],
  transport: ['session', 'auth', 'commands', 'observability', 'events', 'protocol'],
  client: ['protocol'],
};

// Packages a browser-safe layer may load; anything else (a Node built-in, the server) would break a browser bundle.
const browserPackages: Readonly<Record<string, readonly string[]>> = {
  protocol: ['@standard-schema/spec'],
  client: ['rxjs'],
};

const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

interface Edge {
  readonly file: string;
  readonly specifier: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*'([^']+)'|(?:^|\n)\s*import\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g)];
  return specifiers.map((match) => ({ file, specifier: (match[1] ?? match[2] ?? match[3]) as string }));
}

/** The layer a file of src/ belongs to: its top folder, or 'root' for the entry files. */
function layerOf(file: string): string {
  const parts = relative(srcDir, file).split(sep);
  return parts.length === 1 ? 'root' : (parts[0] as string);
}

const edges = sourceFiles(srcDir).flatMap(importsOf);

test('no layer of src/ imports a layer above it, so no two folders import each other', () => {
  const violations: string[] = [];
  for (const { file, specifier } of edges) {
    if (!specifier.startsWith('.')) continue;
    const from = layerOf(file);
    const to = layerOf(resolve(dirname(file), specifier));
    if (from === 'root' || from === to) continue;
    const allowed = mayImport[from];
    assert.ok(allowed !== undefined, `src/${from} is a folder with no rule in this test and docs/architecture.md`);
    if (!allowed.includes(to)) violations.push(`${relative(srcDir, file)} (${from}) imports ${specifier} (${to})`);
  }
  assert.deepEqual(violations, []);
});

test('code inside src/ never imports an entry point', () => {
  const entries = new Set(['index.ts', 'contract.ts', 'redis.ts', 'testing.ts', 'prometheus.ts', 'opentelemetry.ts'].map((name) => join(srcDir, name)));
  const violations = edges
    .filter(({ file, specifier }) => specifier.startsWith('.') && entries.has(resolve(dirname(file), specifier).replace(/\.js$/, '.ts')))
    .map(({ file, specifier }) => `${relative(srcDir, file)} imports ${specifier}`);
  assert.deepEqual(violations, []);
});

test('the browser-safe layers load no Node built-in and no server package', () => {
  const violations: string[] = [];
  for (const { file, specifier } of edges) {
    const layer = layerOf(file);
    const allowed = browserPackages[layer];
    if (allowed === undefined || specifier.startsWith('.')) continue;
    if (!allowed.includes(specifier)) violations.push(`${relative(srcDir, file)} imports ${specifier}`);
  }
  assert.deepEqual(violations, []);
});

test('the root entry does not load ioredis, and only switchyard/redis does', () => {
  const loaders = edges.filter(({ specifier }) => specifier === 'ioredis').map(({ file }) => relative(srcDir, file).split(sep).slice(0, 2).join('/'));
  assert.ok(loaders.length > 0);
  assert.deepEqual([...new Set(loaders)], ['events/redis']);
  const index = readFileSync(join(srcDir, 'index.ts'), 'utf8');
  assert.doesNotMatch(index, /events\/redis\//);
});

test('prom-client is loaded only by switchyard/prometheus and @opentelemetry/api only by switchyard/opentelemetry, never by the root entry', () => {
  const loadersOf = (name: string): string[] => [
    ...new Set(edges.filter(({ specifier }) => specifier === name || specifier.startsWith(`${name}/`)).map(({ file }) => relative(srcDir, file).split(sep).slice(0, 2).join('/'))),
  ];
  assert.deepEqual(loadersOf('prom-client'), ['observability/prometheus']);
  assert.deepEqual(loadersOf('@opentelemetry/api'), ['observability/opentelemetry']);
  const index = readFileSync(join(srcDir, 'index.ts'), 'utf8');
  assert.doesNotMatch(index, /observability\/(prometheus|opentelemetry)\//);
  for (const entry of ['prometheus.ts', 'opentelemetry.ts']) {
    const other = entry === 'prometheus.ts' ? 'opentelemetry' : 'prometheus';
    assert.doesNotMatch(readFileSync(join(srcDir, entry), 'utf8'), new RegExp(`observability/${other}/`), `${entry} loads only its own package`);
  }
});
