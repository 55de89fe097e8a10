import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { AsyncApiDocument } from '../../src/index.js';
import { startDemoServer, type DemoServer } from '../../demo/demo-server.js';
import { parseAsyncApi } from '../support/asyncapi.js';

describe('the demo publishes its contract at /asyncapi.json, on the port of the bus', { timeout: 15_000 }, () => {
  let server: DemoServer;
  before(async () => {
    server = await startDemoServer({ port: 0, logger: pino({ level: 'silent' }) });
  });
  after(() => server.close());

  it('serves an AsyncAPI 3.0 document that @asyncapi/parser reads without errors, naming this server and every command and event', async () => {
    const response = await fetch(`${server.url}/asyncapi.json`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    const document = (await response.json()) as AsyncApiDocument;
    assert.deepEqual((await parseAsyncApi(document)).errors, []);
    assert.equal(document.asyncapi, '3.0.0');
    assert.deepEqual(document.servers, { demo: { host: `127.0.0.1:${server.port}`, protocol: 'ws', pathname: '/ws', description: 'This demo server.' } });
    const operations = Object.values(document.operations).map(({ action, title }) => `${action} ${title}`);
    assert.deepEqual(operations.sort(), [
      ...server.app.bus.commands().map((command) => `send ${command.type}`),
      ...['session.connected', 'session.draining', 'session.resumed', 'room.joined', 'room.left', 'chat.message', 'cart.updated', 'room.state'].map((type) => `receive ${type}`),
    ].sort());
    const code = document.components.schemas['error'] as { properties: { code: { enum: string[] } } };
    assert.ok(code.properties.code.enum.includes('ROOM_FULL'), 'the rooms\' capacity code is documented');
  });

  it('answers HEAD with the headers only, refuses other methods, and leaves other paths to the page', async () => {
    const head = await fetch(`${server.url}/asyncapi.json`, { method: 'HEAD', signal: AbortSignal.timeout(5_000) });
    assert.equal(head.status, 200);
    assert.ok(Number(head.headers.get('content-length')) > 1000);
    assert.equal(await head.text(), '');
    const post = await fetch(`${server.url}/asyncapi.json`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(5_000) });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    const page = await fetch(`${server.url}/`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>Switchyard demo<\/title>/);
  });

  it('names the host the client asked for only when it is a plain host and port', async () => {
    const hostOf = (host: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path: '/asyncapi.json', headers: { host }, timeout: 5_000 }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve((JSON.parse(body) as AsyncApiDocument).servers!['demo']!.host));
        });
        req.on('timeout', () => req.destroy(new Error('no answer to GET /asyncapi.json within 5 s')));
        req.on('error', reject);
        req.end();
      });
    assert.equal(await hostOf('demo.example.com:8443'), 'demo.example.com:8443');
    assert.equal(await hostOf('[::1]:8080'), '[::1]:8080');
    assert.equal(await hostOf('evil.example.com/"><script>'), `127.0.0.1:${server.port}`);
  });
});
