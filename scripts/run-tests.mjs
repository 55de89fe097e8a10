// Runs the compiled test files with Node's test runner: dist/test/**/*.test.js
// for `npm test`, dist/test/**/*.soak.js (long floods and soaks) for `npm run soak`.
// Node 20's runner takes no globs, so the files are listed here. Arguments
// other than --soak keep only the files whose path contains one of them.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = 'dist/test';
const args = process.argv.slice(2);
const suffix = args.includes('--soak') ? '.soak.js' : '.test.js';
const only = args.filter((arg) => arg !== '--soak');

function collect(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return collect(path);
    return entry.name.endsWith(suffix) ? [path] : [];
  });
}

const files = collect(root)
  .filter((file) => only.length === 0 || only.some((part) => file.includes(part)))
  .sort();
if (files.length === 0) {
  console.error(`no ${suffix} files under ${root}${only.length ? ` matching ${only.join(', ')}` : ''}; run "npm run build" first`);
  process.exit(1);
}
// Soaks run one file at a time: each measures the whole machine.
const concurrency = suffix === '.soak.js' ? ['--test-concurrency=1'] : [];
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...concurrency, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
