/** app.registerDirectory(): handler modules loaded from a folder, explicitly, in a fixed order. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { handles, SetupError, SetupErrorCode, Switchyard } from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';
import { EchoBack, Greet, Greeter, Shout } from './fixtures/handler-contract.js';
import { testLogger } from './support/harness.js';
import { captureLogs } from './support/log-capture.js';

const fixtures = new URL('./fixtures/handlers/', import.meta.url);
const fixturePath = (name: string): string => fileURLToPath(new URL(name, fixtures));
const library = new URL('../src/index.js', import.meta.url).href;

const folders: string[] = [];
after(() => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

/** A temporary folder of ES modules (it has a package.json of type module), written as given. */
async function moduleFolder(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'switchyard-handlers-'));
  folders.push(folder);
  await writeFile(join(folder, 'package.json'), '{"type":"module"}');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(folder, name)), { recursive: true });
    await writeFile(join(folder, name), text);
  }
  return folder;
}

/** The source of a handler module for command `type` that answers `answer`. */
function handlerModule(type: string, answer = type): string {
  return `import { defineCommand, handles, typed } from '${library}';\n` + `export default handles(defineCommand('${type}', { payload: typed() }), () => ${JSON.stringify(answer)});\n`;
}


function setupError(code: SetupErrorCode, ...mentions: string[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SetupError, `expected a SetupError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    for (const text of mentions) assert.ok(error.message.includes(text), `"${error.message}" should mention ${text}`);
    return true;
  };
}

describe('app.registerDirectory()', () => {
  it('registers each compiled handler module of the folder, functions and injected classes, and logs each at info', async () => {
    // The folder is tsc output: beside each .js lie its .d.ts and .js.map, which must not count.
    assert.ok(existsSync(fixturePath('greet.d.ts')) && existsSync(fixturePath('greet.js.map')));
    const { logger, lines } = captureLogs('info');
    const app = new Switchyard({ logger });
    app.container.registerSingleton(Greeter);
    const loaded = await app.registerDirectory(fixtures);

    assert.deepEqual(loaded, [
      { type: 'fixture.echoBack', file: fixturePath('echo-back.js') },
      { type: 'fixture.greet', file: fixturePath('greet.js') },
    ]);
    const client = (await app.listen(new MemoryTransport())).connect();
    assert.equal(await client.request(EchoBack, 'hi'), 'hi');
    assert.equal(await client.request(Greet, { name: 'ada' }), 'hello, ada');
    await assert.rejects(client.request(Shout, 'hi'), { code: 'UNKNOWN_COMMAND' }, 'a subfolder is not loaded unless recursive');
    const logged = lines.filter((line) => line['type'] !== undefined && line['file'] !== undefined);
    assert.deepEqual(
      logged.map((line) => [line['level'], line['type'], line['file']]),
      [
        [30, 'fixture.echoBack', fixturePath('echo-back.js')],
        [30, 'fixture.greet', fixturePath('greet.js')],
      ],
    );
    assert.match(String(logged[0]?.['msg']), /fixture\.echoBack.*echo-back\.js/);
    await app.close();
  });

  it('with recursive: true, loads the subfolders too, ordered by path', async () => {
    const app = new Switchyard({ logger: testLogger() });
    app.container.registerSingleton(Greeter);
    const loaded = await app.registerDirectory(fileURLToPath(fixtures), { recursive: true });
    assert.deepEqual(
      loaded.map(({ type }) => type),
      ['fixture.echoBack', 'fixture.greet', 'fixture.shout'],
    );
    const client = (await app.listen(new MemoryTransport())).connect();
    assert.equal(await client.request(Shout, 'hi'), 'HI');
    await app.close();
  });

  it('registers in the order of the file names, compared by code units as on every platform', async () => {
    const folder = await moduleFolder({
      'b.js': handlerModule('order.b'),
      'a.mjs': handlerModule('order.a'),
      '9-nine.js': handlerModule('order.nine'),
      '10-ten.js': handlerModule('order.ten'),
      'B-upper.js': handlerModule('order.upper'),
      // None of these counts: a declaration, a source map, a text file, a hidden file, a CommonJS file, a subfolder.
      'b.d.ts': 'export {};',
      'b.js.map': '{}',
      'README.md': '# handlers',
      '.draft.js': 'throw new Error("a hidden file was loaded");',
      'legacy.cjs': 'throw new Error("a .cjs file was loaded");',
      'sub/c.js': 'throw new Error("a subfolder was loaded");',
    });
    const app = new Switchyard({ logger: testLogger() });
    const loaded = await app.registerDirectory(folder);
    const expected = ['order.ten', 'order.nine', 'order.upper', 'order.a', 'order.b'];
    assert.deepEqual(
      loaded.map(({ type }) => type),
      expected,
    );
    assert.deepEqual(
      loaded.map(({ file }) => file),
      ['10-ten.js', '9-nine.js', 'B-upper.js', 'a.mjs', 'b.js'].map((name) => join(folder, name)),
    );
    assert.deepEqual(
      app.bus.commands().map(({ type }) => type).filter((type) => type.startsWith('order.')),
      expected,
    );
    await app.close();
  });

  it('with recursive: true, orders by the whole path inside the folder, not folder by folder', async () => {
    // "sub-b.js" < "sub/c.js" ('-' < '/'), though the folder "sub" is listed before the file "sub-b.js".
    const folder = await moduleFolder({ 'sub/c.js': handlerModule('deep.c'), 'sub-b.js': handlerModule('deep.b'), 'sub/a/z.js': handlerModule('deep.z'), 'a.js': handlerModule('deep.a') });
    const app = new Switchyard({ logger: testLogger() });
    assert.deepEqual(
      (await app.registerDirectory(folder, { recursive: true })).map(({ file }) => file.slice(folder.length + 1).split('\\').join('/')),
      ['a.js', 'sub-b.js', 'sub/a/z.js', 'sub/c.js'],
    );
    await app.close();
  });

  it('extensions chooses which file names count; a declaration file never does', async () => {
    const folder = await moduleFolder({ 'one.mjs': handlerModule('ext.one'), 'two.js': handlerModule('ext.two'), 'two.d.mts': 'export {};' });
    const app = new Switchyard({ logger: testLogger() });
    assert.deepEqual(
      (await app.registerDirectory(folder, { extensions: ['.mjs', '.mts'] })).map(({ type }) => type),
      ['ext.one'],
    );
    await app.close();
  });

  it('refuses a module with no default export, naming the file, and registers nothing from the folder', async () => {
    const folder = await moduleFolder({
      'a-good.js': handlerModule('missing.good'),
      'b-helper.js': `export function helper() { return 1; }\n`,
    });
    const app = new Switchyard({ logger: testLogger() });
    await assert.rejects(app.registerDirectory(folder), setupError(SetupErrorCode.INVALID_HANDLER_MODULE, join(folder, 'b-helper.js'), 'has no default export', 'export default handles('));
    assert.equal(app.bus.has('missing.good'), false, 'the good module of the folder is not registered either');
    await app.close();
  });

  it('refuses a default export that handles() did not make: a class, a function, a look-alike object', async () => {
    const cases: Array<[string, string, string]> = [
      ['class', `export default class Handler { execute() { return 1; } }\n`, 'exports by default a class'],
      ['function', `export default function handler() { return 1; }\n`, 'exports by default a function'],
      ['object', `import { defineCommand, typed } from '${library}';\nexport default { command: defineCommand('fake.one', { payload: typed() }), handler: () => 1 };\n`, 'an object that handles() did not make'],
      ['number', `export default 42;\n`, 'exports by default a number'],
    ];
    for (const [name, text, says] of cases) {
      const folder = await moduleFolder({ [`${name}.js`]: text });
      const app = new Switchyard({ logger: testLogger() });
      await assert.rejects(app.registerDirectory(folder), setupError(SetupErrorCode.INVALID_HANDLER_MODULE, join(folder, `${name}.js`), says));
      await app.close();
    }
  });

  it('refuses a module that fails to load, naming the file and keeping the cause', async () => {
    const folder = await moduleFolder({ 'broken.js': `throw new Error('no database');\n` });
    const app = new Switchyard({ logger: testLogger() });
    await assert.rejects(app.registerDirectory(folder), (error: unknown) => {
      setupError(SetupErrorCode.INVALID_HANDLER_MODULE, join(folder, 'broken.js'), 'no database')(error);
      assert.equal(((error as SetupError).cause as Error).message, 'no database');
      return true;
    });
    await app.close();
  });

  it('refuses one type handled by two files with DUPLICATE_HANDLER naming both, and registers neither', async () => {
    const folder = await moduleFolder({ 'first.js': handlerModule('dup.one', 'first'), 'second.js': handlerModule('dup.one', 'second'), 'other.js': handlerModule('dup.other') });
    const app = new Switchyard({ logger: testLogger() });
    await assert.rejects(app.registerDirectory(folder), setupError(SetupErrorCode.DUPLICATE_HANDLER, '"dup.one"', join(folder, 'first.js'), join(folder, 'second.js')));
    assert.equal(app.bus.has('dup.one'), false);
    assert.equal(app.bus.has('dup.other'), false);
    await app.close();
  });

  it('refuses a module whose type was registered before, naming the file', async () => {
    const folder = await moduleFolder({ 'echo.js': handlerModule('fixture.echoBack') });
    const app = new Switchyard({ logger: testLogger() }).register(EchoBack, (text) => text);
    await assert.rejects(app.registerDirectory(folder), setupError(SetupErrorCode.DUPLICATE_HANDLER, join(folder, 'echo.js'), 'already registered'));
    await app.close();
  });

  it('refuses a handler taking a service registered only after it, naming the file: register services first', async () => {
    const app = new Switchyard({ logger: testLogger() });
    await assert.rejects(app.registerDirectory(fixtures), setupError(SetupErrorCode.HANDLER_RESOLUTION, fixturePath('greet.js'), 'GreetHandler', 'Greeter'));
    await app.close();
  });

  it('refuses a folder that cannot be read, or that holds TypeScript sources instead of compiled modules', async () => {
    const app = new Switchyard({ logger: testLogger() });
    const missing = join(tmpdir(), 'switchyard-no-such-folder');
    await assert.rejects(app.registerDirectory(missing), setupError(SetupErrorCode.HANDLER_DIRECTORY, missing, 'ENOENT'));
    const sources = fileURLToPath(new URL('../../test/fixtures/handlers/', import.meta.url));
    assert.ok(existsSync(join(sources, 'greet.ts')));
    await assert.rejects(app.registerDirectory(sources), setupError(SetupErrorCode.HANDLER_DIRECTORY, 'TypeScript source', 'compiled output'));
    await app.close();
  });

  it('refuses malformed arguments with TypeError', async () => {
    const app = new Switchyard({ logger: testLogger() });
    await assert.rejects(app.registerDirectory(new URL('https://example.com/handlers/')), TypeError);
    await assert.rejects(app.registerDirectory(fixtures, { extensions: [] }), TypeError);
    await assert.rejects(app.registerDirectory(fixtures, { extensions: ['js'] }), TypeError);
    await assert.rejects(app.registerDirectory(fixtures, { recursive: 'yes' as unknown as boolean }), TypeError);
    assert.throws(() => handles({} as never, (() => 1) as never), TypeError);
    await app.close();
  });

  it('has no import side effect: two applications load one folder, each building its own handlers from its own container', async () => {
    const apps = [new Switchyard({ logger: testLogger() }), new Switchyard({ logger: testLogger() })];
    const greetings = ['hello', 'bonjour'];
    for (const [index, app] of apps.entries()) {
      const greeter = new Greeter();
      (greeter as { greeting: string }).greeting = greetings[index]!;
      app.container.registerInstance(Greeter, greeter);
      await app.registerDirectory(fixtures);
    }
    for (const [index, app] of apps.entries()) {
      const client = (await app.listen(new MemoryTransport())).connect();
      assert.equal(await client.request(Greet, { name: 'ada' }), `${greetings[index]}, ada`);
      await app.close();
    }
  });

  it('types handles() from the command', () => {
    const registration = handles(Greet, ({ name }) => name);
    assert.ok(Object.isFrozen(registration));
    assert.equal(registration.command, Greet);
    // @ts-expect-error: the handler must return the command's result type (string)
    handles(Greet, () => 42);
    // @ts-expect-error: the payload of fixture.greet has no "nom"
    handles(Greet, ({ nom }) => String(nom));
  });
});
