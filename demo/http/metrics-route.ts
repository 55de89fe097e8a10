import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * Answers `GET /metrics` with the registry in the Prometheus text format.
 * Returns whether it answered, so that other routes can follow.
 *
 * @example
 * const metrics = metricsRoute(registry);
 * createServer((req, res) => metrics(req, res) || void serve(req, res));
 */
export function metricsRoute(registry: Registry): (request: IncomingMessage, response: ServerResponse) => boolean {
  return (request, response) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== '/metrics') return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
      return true;
    }
    registry.metrics().then(
      (body) => {
        response.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache' });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics failed: ${String(error)}\n`);
      },
    );
    return true;
  };
}
