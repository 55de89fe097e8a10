import WebSocket from 'ws';
import type { AnyCommand, InputOf, ResultOf } from '../../src/index.js';
import { FrameInbox, settleReply } from '../../src/testing.js';
import { within } from './socket-harness.js';

/** A frame as the test client parsed it: loose, so tests can look at frames the server should never send. */
export type Frame = { kind: string; id?: string; type?: string; payload?: unknown; error?: { code: string; message: string; details: unknown[] } };

/** What a frame type needs for the client to sort its frames: `Frame`, or the stricter `ServerFrame`. */
type AnyFrame = { kind: string; id?: string; type?: string; payload?: unknown };

/** How long a wait lasts when the test does not say, in ms. */
const DEFAULT_WAIT_MS = 5000;

/**
 * The one real `ws` client of the tests. It has the memory transport client's
 * surface (`request`, `send`, `events`, `nextEvent`), so one behaviour suite
 * drives both, and frame-level tools for tests that misbehave on purpose.
 * It records every frame it receives; every wait has a deadline.
 *
 * @example
 * const ada = await WsTestClient.connect(url);
 * const { members } = await ada.request(RoomJoin, { room: 'lobby' });
 * const reply = await ada.exchange('no.such.command');        // the raw error frame
 */
export class WsTestClient<F extends AnyFrame = Frame> extends FrameInbox<F> {
  readonly ws: WebSocket;
  /** Frames received, recorded or not. */
  received = 0;
  /** Set to false to count frames without keeping them (floods). */
  record = true;
  closedWith: { code: number; reason: string } | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  #connectionId = '';
  #nextId = 0;
  #taken = 0;

  private constructor(ws: WebSocket) {
    super();
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.once('close', (code: number, reason: Buffer) => {
        this.closedWith = { code, reason: reason.toString() };
        resolve(this.closedWith);
      });
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) throw new Error('the server sent a binary frame; protocol v1 frames are text');
      this.received++;
      if (this.record) this.push(JSON.parse(data.toString('utf8')) as F);
    });
  }

  /** Connects and waits for `session.connected`; rejects with the HTTP status of a refused upgrade. */
  static async connect<F extends AnyFrame = Frame>(url: string, options: WebSocket.ClientOptions & { protocols?: string[] } = {}): Promise<WsTestClient<F>> {
    const ws = new WebSocket(url, options.protocols ?? [], options);
    const client = new WsTestClient<F>(ws);
    const greeted = client.waitFor((frame) => frame.kind === 'event' && frame.type === 'session.connected', 'session.connected');
    await within(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
        ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      }),
      DEFAULT_WAIT_MS,
      'the connection to open',
    );
    const hello = await greeted;
    client.#connectionId = (hello.payload as { connectionId: string }).connectionId;
    // take() and untaken() start after the greeting.
    client.#taken = client.frames.indexOf(hello) + 1;
    return client;
  }

  /** Connects to the `/ws` endpoint of a node on 127.0.0.1 (the test nodes read the user from `?user=`). */
  static toNode(port: number, user?: string): Promise<WsTestClient> {
    return WsTestClient.connect(`ws://127.0.0.1:${port}/ws${user === undefined ? '' : `?user=${encodeURIComponent(user)}`}`);
  }

  /** Resolves with the HTTP status an upgrade is refused with; rejects if it is accepted. */
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
      DEFAULT_WAIT_MS,
      'the upgrade to be refused',
    );
  }

  /** The id the server gave this connection in `session.connected`. */
  get connectionId(): string {
    return this.#connectionId;
  }

  /** Sends a command with a fresh id; resolves with its result, rejects with its coded error (as `MemoryClient.request`). */
  async request<C extends AnyCommand>(command: C, payload: InputOf<C>): Promise<ResultOf<C>> {
    return settleReply((await this.exchange(command.type, payload)) as never) as ResultOf<C>;
  }

  /** Sends a command by type name, untyped; resolves with its result, rejects with its coded error. */
  async call(type: string, payload?: unknown, ms = DEFAULT_WAIT_MS): Promise<unknown> {
    return settleReply((await this.exchange(type, payload, ms)) as never);
  }

  /** Sends a command with a fresh id and resolves with its reply frame, `result` or `error`. */
  exchange(type: string, payload?: unknown, ms = DEFAULT_WAIT_MS): Promise<F> {
    const id = `t${++this.#nextId}`;
    const reply = this.reply(id, ms);
    this.ws.send(JSON.stringify({ type, id, payload }));
    return reply;
  }

  /** Waits for the reply with this id. */
  reply(id: string, ms = DEFAULT_WAIT_MS): Promise<F> {
    return this.waitFor((frame) => frame.kind !== 'event' && frame.id === id, `the reply to ${id}`, ms);
  }

  /** Sends a command without an id: fire-and-forget. */
  send<C extends AnyCommand>(command: C, payload: InputOf<C>): void {
    this.sendRaw(JSON.stringify({ type: command.type, payload }));
  }

  sendRaw(text: string | Buffer): void {
    this.ws.send(text);
  }

  /**
   * The payload of the next event of `type` that no earlier `take` returned:
   * for tests that count a stream of events of one type, in order.
   */
  async take(type: string, ms = DEFAULT_WAIT_MS): Promise<Record<string, unknown>> {
    let index = -1;
    await this.waitFor(
      () => {
        index = this.frames.findIndex((frame, position) => position >= this.#taken && frame.kind === 'event' && frame.type === type);
        return index !== -1;
      },
      `event ${type}`,
      ms,
    );
    this.#taken = index + 1;
    return this.frames[index]!.payload as Record<string, unknown>;
  }

  /** The events received so far, oldest first, as `{ type, payload }`. */
  get eventLog(): Array<{ type: string; payload: Record<string, unknown> }> {
    return this.frames.filter((frame) => frame.kind === 'event').map((frame) => ({ type: frame.type as string, payload: frame.payload as Record<string, unknown> }));
  }

  /** The events after the last one {@link take} returned. */
  untaken(): Array<{ type: string; payload: Record<string, unknown> }> {
    return this.frames.slice(this.#taken).filter((frame) => frame.kind === 'event').map((frame) => ({ type: frame.type as string, payload: frame.payload as Record<string, unknown> }));
  }

  /** Closes from the client side and waits for the close to complete. */
  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await within(this.closed, DEFAULT_WAIT_MS, 'the client to close').catch(() => this.ws.terminate());
  }
}
