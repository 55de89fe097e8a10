import { once } from 'node:events';
import WebSocket from 'ws';

/** A server frame as the JSON codec sends it. */
export type Frame =
  | { kind: 'event'; type: string; payload: Record<string, unknown> }
  | { kind: 'result'; id: string; payload: unknown }
  | { kind: 'error'; id: string; error: { code: string; message: string } };

/**
 * A real `ws` client speaking protocol v1, with bounded waits: commands
 * resolve with their result, events are kept in order and awaited by type.
 *
 * @example
 * const alice = await ClusterClient.connect(node.port, 'alice');
 * await alice.call('room.join', { room: 'lobby' });
 * const message = await alice.nextEvent('fixture.message');
 */
export class ClusterClient {
  readonly connectionId: string;
  readonly events: Array<{ type: string; payload: Record<string, unknown> }> = [];
  readonly #socket: WebSocket;
  readonly #pending = new Map<string, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #waiters = new Set<() => void>();
  #read = 0;
  #sequence = 0;

  private constructor(socket: WebSocket, connectionId: string) {
    this.#socket = socket;
    this.connectionId = connectionId;
  }

  static async connect(port: number, user?: string, timeoutMs = 5000): Promise<ClusterClient> {
    const query = user === undefined ? '' : `?user=${encodeURIComponent(user)}`;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws${query}`);
    const [data] = (await withTimeout(once(socket, 'message'), timeoutMs, 'session.connected')) as [Buffer];
    const hello = JSON.parse(data.toString()) as Frame;
    if (hello.kind !== 'event' || hello.type !== 'session.connected') throw new Error(`expected session.connected, got ${data.toString()}`);
    const client = new ClusterClient(socket, String(hello.payload['connectionId']));
    socket.on('message', (raw: Buffer) => client.#receive(JSON.parse(raw.toString()) as Frame));
    return client;
  }

  /** Sends a command and resolves with its result; rejects with its coded error or after `timeoutMs`. */
  async call(type: string, payload: unknown, timeoutMs = 5000): Promise<unknown> {
    const id = String(++this.#sequence);
    const reply = new Promise<unknown>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#socket.send(JSON.stringify({ type, id, payload }));
    try {
      return await withTimeout(reply, timeoutMs, `reply to ${type}`);
    } finally {
      this.#pending.delete(id);
    }
  }

  /** The next event of `type` not yet consumed by this method. */
  async nextEvent(type: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const take = (): Record<string, unknown> | undefined => {
      while (this.#read < this.events.length) {
        const event = this.events[this.#read++]!;
        if (event.type === type) return event.payload;
      }
      return undefined;
    };
    const found = take();
    if (found !== undefined) return found;
    let waiter: (() => void) | undefined;
    try {
      return await withTimeout(
        new Promise<Record<string, unknown>>((resolve) => {
          waiter = () => {
            const event = take();
            if (event === undefined) return;
            // Regression: a waiter left registered until its caller resumed consumed (and lost) the following events.
            this.#waiters.delete(waiter!);
            resolve(event);
          };
          this.#waiters.add(waiter);
        }),
        timeoutMs,
        `event ${type}`,
      );
    } finally {
      if (waiter !== undefined) this.#waiters.delete(waiter);
    }
  }

  /** Events received but not yet taken by {@link nextEvent}. */
  unread(): Array<{ type: string; payload: Record<string, unknown> }> {
    return this.events.slice(this.#read);
  }

  async close(): Promise<void> {
    if (this.#socket.readyState === WebSocket.CLOSED) return;
    const closed = once(this.#socket, 'close');
    this.#socket.close();
    await withTimeout(closed, 5000, 'close').catch(() => this.#socket.terminate());
  }

  #receive(frame: Frame): void {
    if (frame.kind === 'event') {
      this.events.push({ type: frame.type, payload: frame.payload });
      for (const waiter of [...this.#waiters]) waiter();
      return;
    }
    const pending = this.#pending.get(frame.id);
    if (pending === undefined) return;
    if (frame.kind === 'result') pending.resolve(frame.payload);
    else pending.reject(Object.assign(new Error(frame.error.message), { code: frame.error.code }));
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
