/**
 * Browsers on other origins (CORS): with `allowedOrigins`, the HTTP
 * transport answers their preflights and names the origin on every answer,
 * commands and event stream alike; any other origin is 403; a caller
 * without `Origin` is not a browser and is served as before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HttpTransport, Switchyard } from '../src/index.js';
import { registerFixtures } from './support/fixtures.js';
import { testLogger } from './support/harness.js';

const APP = 'https://app.example.com';

async function serveHttp(allowedOrigins?: string[]): Promise<{ app: Switchyard; base: string }> {
  const app = registerFixtures(new Switchyard({ logger: testLogger() }));
  const transport = await app.listen(new HttpTransport({ port: 0, heartbeatIntervalMs: 0, ...(allowedOrigins === undefined ? {} : { allowedOrigins }) }));
  return { app, base: `http://127.0.0.1:${transport.address.port}` };
}

function preflight(url: string, origin: string, method: string): Promise<Response> {
  return fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type, switchyard-session' } });
}

describe('CORS with allowedOrigins', () => {
  let served: { app: Switchyard; base: string };
  before(async () => (served = await serveHttp(['https://App.example.com/'])));
  after(() => served.app.close());

  it('answers a preflight from an allowed origin with what a command may send', async () => {
    const answer = await preflight(`${served.base}/commands/test.add`, APP, 'POST');
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get('access-control-allow-origin'), APP);
    assert.equal(answer.headers.get('access-control-allow-methods'), 'POST');
    const allowed = (answer.headers.get('access-control-allow-headers') ?? '').split(', ');
    for (const header of ['content-type', 'authorization', 'switchyard-session', 'last-event-id', 'traceparent']) assert.ok(allowed.includes(header), header);
    assert.equal(answer.headers.get('access-control-max-age'), '600');
    assert.equal((await preflight(`${served.base}/events`, APP, 'GET')).headers.get('access-control-allow-methods'), 'GET');
  });

  it('names the allowed origin on results, on errors and on the event stream', async () => {
    const result = await fetch(`${served.base}/commands/test.add`, { method: 'POST', headers: { origin: APP, 'content-type': 'application/json' }, body: '{"a":1,"b":2}' });
    assert.deepEqual([result.status, await result.json()], [200, 3]);
    assert.equal(result.headers.get('access-control-allow-origin'), APP);
    assert.equal(result.headers.get('vary'), 'Origin');
    assert.equal(result.headers.get('access-control-expose-headers'), 'Retry-After');
    const error = await fetch(`${served.base}/commands/nope`, { method: 'POST', headers: { origin: APP } });
    assert.equal(error.status, 404);
    assert.equal(error.headers.get('access-control-allow-origin'), APP, 'a browser can read the error');
    const controller = new AbortController();
    const stream = await fetch(`${served.base}/events`, { headers: { origin: APP }, signal: controller.signal });
    assert.equal(stream.status, 200);
    assert.equal(stream.headers.get('access-control-allow-origin'), APP);
    controller.abort();
  });

  it('refuses any other origin with 403 FORBIDDEN, its preflights and event streams included', async () => {
    for (const origin of ['https://evil.example', 'null', 'https://app.example.com.evil.example', ' ']) {
      const answer = await fetch(`${served.base}/commands/test.add`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: '{"a":1,"b":2}' });
      assert.equal(answer.status, 403, origin);
      assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'FORBIDDEN');
      assert.equal(answer.headers.get('access-control-allow-origin'), null);
      assert.equal((await preflight(`${served.base}/commands/test.add`, origin, 'POST')).status, 403);
      assert.equal((await fetch(`${served.base}/events`, { headers: { origin } })).status, 403);
    }
  });

  it('serves a caller without Origin (not a browser) as before, with no CORS headers', async () => {
    const answer = await fetch(`${served.base}/commands/test.add`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":2,"b":2}' });
    assert.deepEqual([answer.status, await answer.json()], [200, 4]);
    assert.equal(answer.headers.get('access-control-allow-origin'), null);
  });
});

describe('without allowedOrigins', () => {
  it('adds no CORS headers and answers OPTIONS 405, so browsers keep pages of other origins out', async () => {
    const { app, base } = await serveHttp();
    try {
      const answer = await fetch(`${base}/commands/test.add`, { method: 'POST', headers: { origin: APP, 'content-type': 'application/json' }, body: '{"a":1,"b":2}' });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('access-control-allow-origin'), null);
      assert.equal((await preflight(`${base}/commands/test.add`, APP, 'POST')).status, 405);
    } finally {
      await app.close();
    }
  });
});
