import { pino } from 'pino';
import WebSocket from 'ws';
import { Switchyard, WebSocketTransport, type SwitchyardOptions, type WebSocketTransportOptions } from '../../src/index.js';
import { FrameInbox } from '../../src/testing.js';

/** A frame as the test client parsed it. */
export type Frame = { kind: string; id?: string; type?: string; payload?: unknown; error?: { code: string; message: string; details: unknown[] } };

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

/** A real `ws` client that records frames and can wait for them, each wait bounded in time. */
export class TestClient extends FrameInbox<Frame> {
  readonly ws: WebSocket;
  /** Frames received, recorded or not. */
  received = 0;
  /** Set to false to count frames without keeping them (floods). */
  record = true;
  readonly closed: Promise<{ code: number; reason: string }>;
  #next = 0;

  private constructor(ws: WebSocket) {
    super();
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      this.received++;
      if (this.record) this.push(JSON.parse(data.toString()) as Frame);
    });
  }

  /** Connects and waits for `session.connected`. */
  static async connect(url: string, options: WebSocket.ClientOptions & { protocols?: string[] } = {}): Promise<TestClient> {
    const ws = new WebSocket(url, options.protocols ?? [], options);
    const client = new TestClient(ws);
    const greeted = client.waitFor((frame) => frame.type === 'session.connected', 'session.connected');
    await within(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
        ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      }),
      5000,
      'the connection to open',
    );
    await greeted;
    return client;
  }

  /** Resolves with the HTTP status an upgrade is refused with. */
  static refusal(url: string, options: WebSocket.ClientOptions & { protocols?: string[] } = {}): Promise<number> {
    return within(
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(url, options.protocols ?? [], options);
        ws.once('open', () => {
          ws.terminate();
          reject(new Error('the upgrade was accepted'));
        });
        ws.once('unexpected-response', (_request, response) => {
          resolve(response.statusCode ?? 0);
          ws.terminate();
        });
        ws.once('error', () => {});
      }),
      5000,
      'the upgrade to be refused',
    );
  }

  /** Sends a command with a fresh id and resolves with its reply. */
  request(type: string, payload?: unknown, ms = 5000): Promise<Frame> {
    const id = `t${++this.#next}`;
    const reply = this.reply(id, ms);
    this.ws.send(JSON.stringify({ type, id, payload }));
    return reply;
  }

  /** Waits for the reply with this id. */
  reply(id: string, ms = 5000): Promise<Frame> {
    return this.waitFor((frame) => frame.kind !== 'event' && frame.id === id, `the reply to ${id}`, ms);
  }

  /** Resolves with the first frame, already received or still to come, that matches; rejects after `ms`. */
  override waitFor(match: (frame: Frame) => boolean, what = 'a matching frame', ms = 5000): Promise<Frame> {
    return super.waitFor(match, what, ms);
  }

  /** Closes from the client side and waits for the close to complete. */
  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await within(this.closed, 5000, 'the client to close');
  }
}
