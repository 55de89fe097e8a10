// What a team would hand-write instead of a bus, over plain HTTP: read the
// body, JSON.parse, a Map of async handlers, JSON.stringify the result.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announce } from './server-kit.js';

type RawHandler = (payload: any) => Promise<unknown>; // eslint-disable-line @typescript-eslint/no-explicit-any

const handlers = new Map<string, RawHandler>([['echo', async (payload) => payload]]);

const server = createServer(onRequest);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port, () => 0));

function onRequest(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const handler = request.method === 'POST' && request.url?.startsWith('/commands/') ? handlers.get(request.url.slice(10)) : undefined;
    if (handler === undefined) return reply(response, 404, '{"error":{"code":"UNKNOWN_COMMAND","message":"unknown command","details":[]}}');
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(response, 400, '{"error":{"code":"BAD_FRAME","message":"body is not valid JSON","details":[]}}');
    }
    handler(payload).then(
      (result) => reply(response, 200, JSON.stringify(result)),
      () => reply(response, 500, '{"error":{"code":"INTERNAL","message":"internal error","details":[]}}'),
    );
  });
}

function reply(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
}
