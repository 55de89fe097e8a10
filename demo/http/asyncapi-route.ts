import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Switchyard } from '../../src/index.js';

// A Host header is reflected into the document only if it is a plain host[:port].
const plainHost = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * Answers `GET /asyncapi.json` with the application's AsyncAPI document,
 * its server being the host the client asked for (or `fallbackHost()`).
 * Returns whether it answered, so that other routes can follow.
 *
 * @example
 * const asyncapi = asyncApiRoute(app, () => `127.0.0.1:${port}`);
 * createServer((req, res) => asyncapi(req, res) || void serve(req, res));
 */
export function asyncApiRoute(app: Switchyard, fallbackHost: () => string): (request: IncomingMessage, response: ServerResponse) => boolean {
  return (request, response) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== '/asyncapi.json') return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
      return true;
    }
    const host = plainHost.test(request.headers.host ?? '') ? (request.headers.host as string) : fallbackHost();
    const body = JSON.stringify(
      app.asyncapi({
        title: 'Switchyard demo',
        version: '1.0.0',
        description: 'Rooms, chat and a cart, served by the Switchyard demo. Connect with `?user=<name>` to have a cart.',
        servers: { demo: { host, protocol: 'ws', pathname: '/ws', description: 'This demo server.' } },
      }),
    );
    response.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
    return true;
  };
}
