import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAllowedOrigin } from '../websocket/websocket-options.js';

/** The request headers a browser may send to the transport's routes. */
const ALLOWED_HEADERS = 'authorization, content-type, switchyard-session, last-event-id, traceparent, tracestate';
/** How long a browser may reuse a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE = '600';

/** What {@link admitOrigin} decided. */
export type OriginDecision = 'allowed' | 'refused' | 'preflight';

/**
 * Cross-origin requests (CORS) to the HTTP transport, with `allowedOrigins`
 * set. A request without `Origin` (curl, a server, a cron job) is not a
 * browser's cross-origin call: allowed, no headers added. From an allowed
 * origin: the response names it in `Access-Control-Allow-Origin` (set on
 * `response` here, so every answer carries it), and a preflight
 * (`OPTIONS` with `Access-Control-Request-Method`) is `'preflight'`, to be
 * answered with {@link answerPreflight}. From any other origin: `'refused'`.
 *
 * @example
 * const decision = admitOrigin(allowed, request, response);
 * if (decision === 'refused') return answerError(response, 403, ...);
 * if (decision === 'preflight') return answerPreflight(response, 'POST');
 */
export function admitOrigin(allowed: ReadonlySet<string>, request: IncomingMessage, response: ServerResponse): OriginDecision {
  const origin = request.headers.origin;
  if (origin === undefined) return 'allowed';
  if (!isAllowedOrigin(allowed, origin)) return 'refused';
  response.setHeader('access-control-allow-origin', origin);
  response.setHeader('vary', 'Origin');
  response.setHeader('access-control-expose-headers', 'Retry-After');
  return request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined ? 'preflight' : 'allowed';
}

/** Answers a preflight for a route served with `method`: 204, what may be sent, and for how long the answer holds. */
export function answerPreflight(response: ServerResponse, method: string): void {
  response
    .writeHead(204, {
      'access-control-allow-methods': method,
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': PREFLIGHT_MAX_AGE,
    })
    .end();
}
