import { pino } from 'pino';
import { Switchyard, WebSocketTransport, type SwitchyardOptions, type WebSocketTransportOptions } from '../../src/index.js';

/** An application serving a WebSocket transport on 127.0.0.1, a free port. */
export async function serve(
  options: { app?: SwitchyardOptions; transport?: WebSocketTransportOptions; setup?: (app: Switchyard) => void } = {},
): Promise<{ app: Switchyard; transport: WebSocketTransport; url: string }> {
  const app = new Switchyard({ logger: pino({ level: 'silent' }), ...options.app });
  options.setup?.(app);
  const transport = await app.listen(new WebSocketTransport({ port: 0, host: '127.0.0.1', ...options.transport }));
  return { app, transport, url: `ws://127.0.0.1:${transport.address.port}/ws` };
}

/** Rejects after `ms` unless `promise` settles first. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `condition` every few ms until it holds; rejects (and stops polling) after `ms`. */
export async function eventually(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
