import assert from 'node:assert/strict';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// What a browser bundle of the client and a shared contract may contain: the client, the
// browser-safe protocol layer, and the packages a contract or the client bring (zod, rxjs).
const allowedSource = /^(src\/(client|protocol)\/|src\/contract\.js$|demo\/contract\.js$)/;
const allowedPackages = new Set(['zod', 'rxjs', 'tslib']);

test('the client and a shared contract bundle for the browser with no Node built-in and no server module', async () => {
  const result = await build({
    stdin: {
      contents: [
        `import { SwitchyardClient } from ${JSON.stringify(join(dist, 'src/client/index.js'))};`,
        `import { defineCommand, defineEvent, typed } from ${JSON.stringify(join(dist, 'src/contract.js'))};`,
        `import * as Contract from ${JSON.stringify(join(dist, 'demo/contract.js'))};`,
        'export { SwitchyardClient, Contract, defineCommand, defineEvent, typed };',
      ].join('\n'),
      resolveDir: dist,
      loader: 'js',
    },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  // Metafile paths are relative to the working directory.
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => input !== '<stdin>')
    .map((input) => relative(dist, resolve(input)).split(sep).join('/'));
  const strays = inputs.filter((input) => {
    const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (packageMatch !== null) return !allowedPackages.has(packageMatch[1] as string);
    return !allowedSource.test(input);
  });
  assert.deepEqual(strays, [], 'modules in the browser bundle that belong to the server or to Node');
  assert.ok(inputs.some((input) => input.startsWith('src/client/')), 'the client itself is in the bundle');
  const text = result.outputFiles[0]?.text ?? '';
  assert.doesNotMatch(text, /from\s*["']node:/);
});
