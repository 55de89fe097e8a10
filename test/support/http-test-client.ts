import { createParser } from 'eventsource-parser';
import { ErrorCode, MAX_ID_LENGTH, SESSION_HEADER, type AnyCommand, type InputOf, type ResultOf, type ServerFrame, type WireError } from '../../src/index.js';
import { FrameInbox, settleReply } from '../../src/testing.js';

// The errors the bus reports for a command without an id (it never reached its handler, or it was refused on arrival).
const FRAME_ERRORS: ReadonlySet<string> = new Set([ErrorCode.BAD_FRAME, ErrorCode.UNKNOWN_COMMAND, ErrorCode.INVALID_PAYLOAD, ErrorCode.RATE_LIMITED, ErrorCode.UNAVAILABLE]);

/**
 * A client of the HTTP transport with the surface of the WebSocket and
 * memory test clients, so one behaviour suite drives all three: events come
 * from `GET /events` (Server-Sent Events, read with `eventsource-parser`),
 * commands go out as `POST /commands/{type}` with the stream's session
 * token, and each response comes back as the reply frame a socket would
 * have carried. What a v1 frame says that HTTP has no place for is mapped:
 * its id becomes the reply's correlation (HTTP correlates by request); a
 * frame with no usable type, or with an id v1 refuses, is posted with no
 * type, which the server answers `BAD_FRAME`; a frame without an id keeps
 * only the errors a socket would have reported for it.
 */
export class HttpTestClient extends FrameInbox {
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #abort = new AbortController();
  #connectionId = '';
  #token = '';
  #lastEventId: string | undefined;
  #nextId = 0;

  private constructor(base: string, headers: Record<string, string>) {
    super();
    this.#base = base;
    this.#headers = headers;
  }

  /** Opens the event stream and waits for `session.connected`. */
  static async connect(base: string, options: { headers?: Record<string, string> } = {}): Promise<HttpTestClient> {
    const client = new HttpTestClient(base, options.headers ?? {});
    const response = await fetch(`${base}/events`, { headers: { accept: 'text/event-stream', ...client.#headers }, signal: client.#abort.signal });
    if (response.status !== 200 || response.body === null) throw new Error(`GET /events answered ${response.status}: ${await response.text()}`);
    void client.#read(response.body);
    const hello = await client.waitFor((frame) => frame.kind === 'event' && frame.type === 'session.connected');
    client.#connectionId = (hello as { payload: { connectionId: string } }).payload.connectionId;
    return client;
  }

  get connectionId(): string {
    return this.#connectionId;
  }

  /** The last SSE `id:` the stream carried (recovery's resume cursor), as an EventSource would send it back in `Last-Event-ID`. */
  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  /** The token a POST names this session by. */
  get sessionToken(): string {
    return this.#token;
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const parser = createParser({
      onEvent: (event) => {
        if (event.id !== undefined) this.#lastEventId = event.id;
        const payload = JSON.parse(event.data) as unknown;
        if (event.event === 'session.connected') {
          // The token is the transport's plumbing, kept here as a client library would; the greeting is recorded as a socket's.
          const { sessionToken, ...greeting } = payload as { sessionToken: string };
          this.#token = sessionToken;
          return this.push({ kind: 'event', type: event.event, payload: greeting });
        }
        this.push({ kind: 'event', type: event.event ?? 'message', payload });
      },
    });
    const decoder = new TextDecoder();
    const reader = body.getReader();
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) parser.feed(decoder.decode(chunk.value, { stream: true }));
    } catch {
      // Aborted by close(), or the server ended the stream.
    }
  }

  async request<C extends AnyCommand>(command: C, payload: InputOf<C>): Promise<ResultOf<C>> {
    const id = `h${++this.#nextId}`;
    const reply = this.waitFor((frame) => frame.kind !== 'event' && frame.id === id);
    this.sendRaw(JSON.stringify({ type: command.type, id, payload }));
    return settleReply(await reply) as ResultOf<C>;
  }

  send<C extends AnyCommand>(command: C, payload: InputOf<C>): void {
    this.sendRaw(JSON.stringify({ type: command.type, payload }));
  }

  /** Posts what a v1 frame says; its reply frame arrives in `frames`. */
  sendRaw(text: string): void {
    void this.#post(text);
  }

  async #post(text: string): Promise<void> {
    const frame = readFrame(text);
    const headers: Record<string, string> = { [SESSION_HEADER]: this.#token };
    let body: string | undefined;
    if (frame.payload !== undefined) {
      body = JSON.stringify(frame.payload);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${this.#base}/commands/${encodeURIComponent(frame.type)}`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
    const answer = (await response.json()) as unknown;
    if (response.ok) {
      if (frame.id !== undefined) this.push({ kind: 'result', id: frame.id, payload: answer });
      return;
    }
    const error = (answer as { error: WireError }).error;
    if (frame.id !== undefined || FRAME_ERRORS.has(error.code)) this.push({ kind: 'error', id: frame.id, error } as ServerFrame);
  }

  close(): void {
    this.#abort.abort();
  }
}

/** What of a v1 frame's text HTTP can say: a type (empty when it has no usable one), the id to correlate by, the payload. */
function readFrame(text: string): { type: string; id: string | undefined; payload: unknown } {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { type: '', id: undefined, payload: undefined };
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return { type: '', id: undefined, payload: undefined };
  const { type, id, payload } = frame as { type?: unknown; id?: unknown; payload?: unknown };
  const validId = typeof id === 'string' && id.length <= MAX_ID_LENGTH ? id : undefined;
  if (id !== undefined && validId === undefined) return { type: '', id: undefined, payload: undefined };
  return { type: typeof type === 'string' ? type : '', id: validId, payload };
}
