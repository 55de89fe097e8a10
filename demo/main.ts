import 'reflect-metadata';
import { createServer } from 'node:http';
import { URL } from 'node:url';
import { WebSocketTransport, type Identity } from '../src/index.js';
import { createDemoApp } from './app.js';

const port = Number(process.env['PORT'] ?? 8080);
const host = process.env['HOST'] ?? '127.0.0.1';

const app = createDemoApp();
const server = createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  response.end('Switchyard demo: connect a WebSocket client to /ws\n');
});

// Demo only: the user is whoever the `user` query parameter says. Use a real authenticator in production.
function authenticate(request: { url?: string | undefined }): Identity | undefined {
  const name = new URL(request.url ?? '/', 'http://localhost').searchParams.get('user');
  return name ? { id: name } : undefined;
}

await app.listen(new WebSocketTransport({ server, path: '/ws', authenticate }));
server.listen(port, host, () => app.logger.info(`Switchyard demo on http://${host}:${port} (WebSocket at ws://${host}:${port}/ws)`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.logger.info(`${signal}: closing`);
    void app.close().then(() => server.close(() => process.exit(0)));
  });
}
