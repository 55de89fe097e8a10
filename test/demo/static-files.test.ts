import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startDemoServer, type DemoServer } from '../../demo/demo-server.js';
import { serveStatic } from '../../demo/http/static-files.js';

/** A raw GET: the path is sent exactly as given, `..` and all. */
function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the demo serves its page and the client on the same port as the bus', { timeout: 10_000 }, () => {
  let server: DemoServer;
  before(async () => {
    server = await startDemoServer({ port: 0, logger: pino({ level: 'silent' }) });
  });
  after(() => server.close());

  it('serves the page, its assets and the compiled client with their content types', async () => {
    const page = await get(server.port, '/');
    assert.equal(page.status, 200);
    assert.equal(page.type, 'text/html; charset=utf-8');
    assert.match(page.body, /<title>Switchyard demo<\/title>/);
    assert.equal((await get(server.port, '/style.css')).type, 'text/css; charset=utf-8');
    assert.equal((await get(server.port, '/app.js')).type, 'text/javascript; charset=utf-8');
    const client = await get(server.port, '/client/switchyard-client.js');
    assert.equal(client.status, 200);
    assert.match(client.body, /export class SwitchyardClient/);
  });

  it('refuses paths outside the served folders, encoded or not', async () => {
    for (const path of ['/../package.json', '/client/../../../package.json', '/client/%2e%2e/%2e%2e/%2e%2e/package.json', '/%2e%2e%2fpackage.json', '/client/..%2f..%2f..%2fpackage.json', '/a%00.html']) {
      const response = await get(server.port, path);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(response.body, /"name": "switchyard"/, path);
    }
  });

  it('serves no unknown kinds of file, and only GET and HEAD', async () => {
    assert.equal((await get(server.port, '/client/switchyard-client.d.ts')).status, 404);
    assert.equal((await get(server.port, '/missing.html')).status, 404);
    assert.equal((await get(server.port, '/', 'POST')).status, 405);
    const head = await get(server.port, '/', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });
});

// Regression: a symbolic link in the served folder was followed wherever it led.
describe('static files and symbolic links', { timeout: 10_000 }, () => {
  it('refuses a symbolic link that leads out of the folder, and serves one that stays inside', async (t) => {
    const base = await mkdtemp(join(tmpdir(), 'static-'));
    t.after(() => rm(base, { recursive: true, force: true }));
    const publicDir = join(base, 'public');
    await mkdir(publicDir);
    await mkdir(join(base, 'private'));
    await writeFile(join(publicDir, 'index.html'), '<p>public</p>');
    await writeFile(join(base, 'private', 'secret.html'), '<p>secret</p>');
    await symlink(join(base, 'private', 'secret.html'), join(publicDir, 'leak.html'));
    await symlink(join(base, 'private'), join(publicDir, 'private-dir'));
    await symlink(join(publicDir, 'index.html'), join(publicDir, 'alias.html'));
    const serve = serveStatic([{ prefix: '/', root: publicDir }]);
    const server = createServer((req, res) => void serve(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as AddressInfo).port;

    for (const path of ['/leak.html', '/private-dir/secret.html']) {
      const response = await get(port, path);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(response.body, /secret/, path);
    }
    const alias = await get(port, '/alias.html');
    assert.deepEqual([alias.status, alias.body], [200, '<p>public</p>']);
  });
});
