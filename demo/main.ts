import 'reflect-metadata';
import { startDemoServer } from './demo-server.js';
import { demoOptionsFromEnv } from './env-options.js';

const options = demoOptionsFromEnv(process.env);
const server = await startDemoServer(options);
const carts = options.redisUrl === undefined ? 'carts in memory' : 'carts in Redis';
server.app.logger.info(`Switchyard demo on ${server.url} (WebSocket at ${server.wsUrl}, ${carts})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.app.logger.info(`${signal}: closing`);
    void server.close().then(() => process.exit(0));
  });
}
