/**
 * A WebSocket client that shares no code with the server: undici's, the
 * WHATWG WebSocket of Node's own HTTP client. It validates every frame the
 * server sends (masking, reserved bits, UTF-8, close codes) and fails the
 * connection on any violation, so a protocol slip on the server's side shows
 * as an unexpected close here.
 */
import { subscribe } from 'node:diagnostics_channel';
import { WebSocket, ping } from 'undici';
import { within } from './socket-harness.js';

type Reply = { kind: string; id?: string; type?: string; payload?: unknown; error?: { code: string; message: string } };

/** The pongs and pings each undici socket has received (undici reports them on diagnostics channels). */
const pongs = new WeakMap<object, Buffer[]>();
const pings = new WeakMap<object, Buffer[]>();
const waiters = new Set<() => void>();
function record(into: WeakMap<object, Buffer[]>): (message: unknown) => void {
  return (message) => {
    const { websocket, payload } = message as { websocket: object; payload?: Buffer };
    const list = into.get(websocket);
    if (list === undefined) return;
    list.push(Buffer.from(payload ?? Buffer.alloc(0)));
    for (const wake of [...waiters]) wake();
  };
}
subscribe('undici:websocket:pong', record(pongs));
subscribe('undici:websocket:ping', record(pings));

/**
 * An undici WebSocket with the frames it received and bounded waits.
 *
 * @example
 * const client = await ThirdPartyClient.connect(url, ['v1']);
 * assert.equal((await client.request('echo', 'hi')).payload, 'hi');
 */
export class ThirdPartyClient {
  readonly ws: WebSocket;
  readonly frames: Reply[] = [];
  readonly closed: Promise<{ code: number; reason: string; wasClean: boolean }>;
  #next = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    pongs.set(ws, []);
    pings.set(ws, []);
    ws.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') throw new Error('the server sent a binary message; protocol v1 frames are text');
      this.frames.push(JSON.parse(event.data) as Reply);
      for (const wake of [...waiters]) wake();
    });
    this.closed = new Promise((resolve) => ws.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean })));
  }

  static async connect(url: string, protocols: string[] = []): Promise<ThirdPartyClient> {
    const client = new ThirdPartyClient(new WebSocket(url, protocols));
    await within(
      new Promise<void>((resolve, reject) => {
        client.ws.addEventListener('open', () => resolve());
        client.ws.addEventListener('error', () => reject(new Error('the undici client failed to connect')));
      }),
      5000,
      'the undici client to connect',
    );
    await client.until(() => client.frames.some((frame) => frame.type === 'session.connected'), 'session.connected');
    return client;
  }

  /** The pongs this socket received, payload by payload. */
  get pongs(): readonly Buffer[] {
    return pongs.get(this.ws) ?? [];
  }

  /** The pings the server sent this socket (its heartbeat). */
  get pings(): readonly Buffer[] {
    return pings.get(this.ws) ?? [];
  }

  /** Sends a ping with this payload (at most 125 bytes). */
  ping(payload: Buffer): void {
    ping(this.ws, payload);
  }

  /** Sends a command with a fresh id and resolves with its reply. */
  async request(type: string, payload?: unknown, ms = 5000): Promise<Reply> {
    const id = `u${++this.#next}`;
    this.ws.send(JSON.stringify({ type, id, payload }));
    return this.reply(id, ms);
  }

  /** Resolves with the reply to `id`, received or to come. */
  async reply(id: string, ms = 5000): Promise<Reply> {
    await this.until(() => this.frames.some((frame) => frame.kind !== 'event' && frame.id === id), `the reply to ${id}`, ms);
    return this.frames.find((frame) => frame.kind !== 'event' && frame.id === id)!;
  }

  /** Resolves once `condition` holds, checked on every frame, pong and ping; rejects after `ms`. */
  async until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
    if (condition()) return;
    let wake: (() => void) | undefined;
    try {
      await within(
        new Promise<void>((resolve) => {
          wake = () => {
            if (condition()) resolve();
          };
          waiters.add(wake);
        }),
        ms,
        what,
      );
    } finally {
      if (wake !== undefined) waiters.delete(wake);
    }
  }
}
