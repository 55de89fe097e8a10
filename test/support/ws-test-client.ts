import { WebSocket } from 'ws';
import { type AnyCommand, type InputOf, type ResultOf, type ServerFrame } from '../../src/index.js';
import { FrameInbox, settleReply } from '../../src/testing.js';

/**
 * A real `ws` client with the same surface as the memory transport's client,
 * so one behaviour suite can drive both.
 */
export class WsTestClient extends FrameInbox {
  closedWith: { code: number; reason: string } | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #ws: WebSocket;
  #connectionId = '';
  #nextId = 0;

  private constructor(ws: WebSocket) {
    super();
    this.#ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) throw new Error('the server sent a binary frame; protocol v1 frames are text');
      this.push(JSON.parse(data.toString('utf8')) as ServerFrame);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code: number, reason: Buffer) => {
        this.closedWith = { code, reason: reason.toString() };
        resolve(this.closedWith);
      });
    });
  }

  /** Connects and waits for `session.connected`. */
  static async connect(url: string, options: { headers?: Record<string, string> } = {}): Promise<WsTestClient> {
    const ws = new WebSocket(url, options);
    const client = new WsTestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const hello = await client.waitFor((frame) => frame.kind === 'event' && frame.type === 'session.connected');
    client.#connectionId = (hello as { payload: { connectionId: string } }).payload.connectionId;
    return client;
  }

  get connectionId(): string {
    return this.#connectionId;
  }

  /** The underlying socket, for tests that need to misbehave at the frame level. */
  get socket(): WebSocket {
    return this.#ws;
  }

  async request<C extends AnyCommand>(command: C, payload: InputOf<C>): Promise<ResultOf<C>> {
    const id = `w${++this.#nextId}`;
    const reply = this.waitFor((frame) => frame.kind !== 'event' && frame.id === id);
    this.sendRaw(JSON.stringify({ type: command.type, id, payload }));
    return settleReply(await reply) as ResultOf<C>;
  }

  send<C extends AnyCommand>(command: C, payload: InputOf<C>): void {
    this.sendRaw(JSON.stringify({ type: command.type, payload }));
  }

  sendRaw(text: string | Buffer): void {
    this.#ws.send(text);
  }

  close(): void {
    this.#ws.close();
  }
}
