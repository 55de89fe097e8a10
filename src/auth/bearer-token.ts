import type { IncomingMessage } from 'node:http';

/**
 * Prefix of a WebSocket subprotocol that carries a token, for browsers,
 * which cannot set headers on an upgrade: `new WebSocket(url, ['switchyard.v1', 'bearer.' + token])`.
 * It is never the protocol the server selects: always offer a real one beside it.
 *
 * @example
 * const ws = new WebSocket(url, ['switchyard.v1', TOKEN_PROTOCOL_PREFIX + token]);
 */
export const TOKEN_PROTOCOL_PREFIX = 'bearer.';

/**
 * Finds the bearer token of an upgrade request: the `Authorization: Bearer`
 * header first, then a `bearer.<token>` subprotocol, then the query
 * parameter (when one is named). `undefined` when there is none.
 *
 * @example
 * const token = bearerToken(request, 'access_token');
 */
export function bearerToken(request: IncomingMessage, queryParameter: string | false): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
    if (match !== null) return match[1];
  }
  const protocols = request.headers['sec-websocket-protocol'];
  if (protocols !== undefined) {
    for (const protocol of protocols.split(',')) {
      const trimmed = protocol.trim();
      if (trimmed.startsWith(TOKEN_PROTOCOL_PREFIX) && trimmed.length > TOKEN_PROTOCOL_PREFIX.length) return trimmed.slice(TOKEN_PROTOCOL_PREFIX.length);
    }
  }
  if (queryParameter !== false && request.url !== undefined) {
    const query = request.url.indexOf('?');
    if (query !== -1) return new URLSearchParams(request.url.slice(query + 1)).get(queryParameter) ?? undefined;
  }
  return undefined;
}

/**
 * Picks the subprotocol to answer an upgrade with: the first the client
 * offered that is not a token. A token protocol is never selected, so it
 * is never echoed back in the response (where proxies and logs keep
 * headers). A client that offered only a token protocol therefore gets no
 * subprotocol, and a standards-following client (a browser) then fails the
 * connection: offer a real protocol with it, `['switchyard.v1', 'bearer.' + token]`.
 *
 * @example
 * new WebSocketServer({ handleProtocols: selectProtocol });
 */
export function selectProtocol(protocols: Set<string>): string | false {
  for (const protocol of protocols) {
    if (!protocol.startsWith(TOKEN_PROTOCOL_PREFIX)) return protocol;
  }
  return false;
}
