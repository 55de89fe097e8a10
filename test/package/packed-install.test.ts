import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const tsc = join(repo, 'node_modules/typescript/bin/tsc');

// A user's first hour, as a test: the packed tarball installed into an empty app,
// a README-style class handler compiled by the app's own tsc, and run.
const app = {
  'package.json': JSON.stringify({ name: 'first-hour', private: true, type: 'module' }),
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      skipLibCheck: false,
      outDir: 'dist',
      types: ['node'],
    },
    include: ['src'],
  }),
  'src/contract.ts': `
import { z } from 'zod';
import { defineCommand, defineEvent, typed } from 'switchyard/contract';
export const TodoAdd = defineCommand('todo.add', { payload: z.object({ text: z.string().min(1) }), result: typed<{ count: number }>() });
export const TodoAdded = defineEvent('todo.added', typed<{ text: string }>());
`,
  'src/todo-list.ts': `
import { singleton } from 'tsyringe';
@singleton()
export class TodoList {
  readonly items: string[] = [];
}
`,
  'src/todo-add.ts': `
import { injectable } from 'tsyringe';
import { EventPublisher, to, type CommandContext, type CommandHandler, type PayloadOf } from 'switchyard';
import { TodoAdd, TodoAdded } from './contract.js';
import { TodoList } from './todo-list.js';

@injectable()
export class TodoAddHandler implements CommandHandler<typeof TodoAdd> {
  constructor(private readonly list: TodoList, private readonly events: EventPublisher) {}

  async execute({ text }: PayloadOf<typeof TodoAdd>, ctx: CommandContext) {
    this.list.items.push(text);
    this.events.publish(TodoAdded, { text }, to.all().except(ctx.connectionId));
    return { count: this.list.items.length };
  }
}
`,
  'src/main.ts': `
import 'reflect-metadata';
import { Switchyard, CommandError } from 'switchyard';
import { MemoryTransport } from 'switchyard/testing';
import type { RedisScaleOutOptions } from 'switchyard/redis';
import type { ClientOptions } from 'switchyard/client';
import { TodoAdd, TodoAdded } from './contract.js';
import { TodoAddHandler } from './todo-add.js';

const app = new Switchyard().register(TodoAdd, TodoAddHandler);
const memory = await app.listen(new MemoryTransport());
const ada = memory.connect({ user: { id: 'ada' } });
const bob = memory.connect({ user: { id: 'bob' } });
const first = await ada.request(TodoAdd, { text: 'milk' });
const second = await bob.request(TodoAdd, { text: 'eggs' });
let invalid = '';
try {
  await ada.request(TodoAdd, { text: '' });
} catch (error) {
  invalid = error instanceof CommandError ? error.code : String(error);
}
const options: Partial<RedisScaleOutOptions & ClientOptions> = {};
console.log(JSON.stringify({ first, second, invalid, heard: bob.events(TodoAdded), options }));
await app.close();
`,
};

describe('the packed package, installed into an empty app', { timeout: 180_000 }, () => {
  let work = '';
  let tarball = '';

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'switchyard-pack-'));
    // Packed from a copy, so the prepack build never rewrites dist/ under tests running beside this one.
    const copy = join(work, 'repo');
    for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'LICENSE', 'README.md', 'src', 'docs']) {
      await cp(join(repo, entry), join(copy, entry), { recursive: true });
    }
    await symlink(join(repo, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: copy, maxBuffer: 16 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
    tarball = join(work, packed.filename);
    await writeFile(join(work, 'files.json'), JSON.stringify(packed.files.map((file) => file.path)));
  });

  after(async () => {
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  test('ships the compiled code, its types, the LICENSE, and source maps that carry their sources', async () => {
    const files = JSON.parse(await readFile(join(work, 'files.json'), 'utf8')) as string[];
    for (const expected of ['LICENSE', 'README.md', 'package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/redis.js', 'dist/src/testing.js', 'dist/src/contract.js', 'dist/src/client/index.js']) {
      assert.ok(files.includes(expected), `${expected} is in the tarball`);
    }
    assert.equal(files.filter((file) => file.startsWith('dist/test/') || file.startsWith('dist/demo/') || file.startsWith('dist/bench/')).length, 0);
    const maps = files.filter((file) => file.endsWith('.js.map'));
    const { stdout } = await run('tar', ['-xOzf', tarball, `package/${maps[0] ?? 'dist/src/index.js.map'}`]);
    const map = JSON.parse(stdout) as { sources: string[]; sourcesContent?: string[] };
    assert.equal(map.sourcesContent?.length, map.sources.length, 'a shipped source map carries the sources it points at');
  });

  test('installs into an empty app, compiles with its tsc, and runs a class handler with its own service', async () => {
    const dir = join(work, 'app');
    for (const [path, text] of Object.entries(app)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, 'tsyringe', 'reflect-metadata', 'pino', 'ioredis', 'zod', '@types/node@20'], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    });
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir }).catch((error: { stdout?: string }) => {
      throw new Error(`the app does not compile:\n${error.stdout ?? String(error)}`);
    });
    const { stdout } = await run(process.execPath, ['dist/main.js'], { cwd: dir });
    const outcome = JSON.parse(stdout) as { first: { count: number }; second: { count: number }; invalid: string; heard: { text: string }[] };
    assert.deepEqual(outcome.first, { count: 1 });
    assert.deepEqual(outcome.second, { count: 2 }, 'both requests reached the one shared service');
    assert.equal(outcome.invalid, 'INVALID_PAYLOAD');
    assert.deepEqual(outcome.heard, [{ text: 'milk' }]);
  });
});
