import { io as ioClient, type Socket as IoSocket } from 'socket.io-client';
import { WebSocket } from 'ws';

export const SYSTEMS = ['raw-echo', 'raw-dispatch', 'socket-io', 'switchyard'] as const;
export type System = (typeof SYSTEMS)[number];

export interface ClientCounters {
  errors: number;
  closed: number;
  pings: number;
}

/** One client connection, the same surface whatever system it talks to. */
export interface BenchClient {
  request(type: string, payload: unknown, done: (result: unknown) => void): void;
  onEvent: ((type: string, payload: unknown) => void) | undefined;
  close(): void;
}

interface WireFrame {
  kind?: string;
  type?: string;
  id?: string;
  payload?: unknown;
  error?: unknown;
}

/** Speaks the JSON envelope: `{type, id, payload}` out; results, errors, events in. */
class JsonClient implements BenchClient {
  onEvent: ((type: string, payload: unknown) => void) | undefined;
  readonly #ws: WebSocket;
  readonly #pending = new Map<string, (result: unknown) => void>();
  #sequence = 0;

  constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer) => this.#receive(data));
  }

  request(type: string, payload: unknown, done: (result: unknown) => void): void {
    const id = (++this.#sequence).toString(36);
    this.#pending.set(id, done);
    this.#ws.send(JSON.stringify({ type, id, payload }));
  }

  close(): void {
    this.#ws.terminate();
  }

  #receive(data: Buffer): void {
    const frame = JSON.parse(data.toString('utf8')) as WireFrame;
    if (frame.kind === 'event') return void this.onEvent?.(frame.type ?? '', frame.payload);
    if (frame.id === undefined) return;
    const done = this.#pending.get(frame.id);
    if (done === undefined) return;
    this.#pending.delete(frame.id);
    if (frame.kind === 'error') throw new Error(`command failed: ${JSON.stringify(frame.error)}`);
    done(frame.payload);
  }
}

class SocketIoClient implements BenchClient {
  onEvent: ((type: string, payload: unknown) => void) | undefined;
  readonly #socket: IoSocket;

  constructor(socket: IoSocket) {
    this.#socket = socket;
    socket.on('tick', (payload: unknown) => this.onEvent?.('tick', payload));
  }

  request(type: string, payload: unknown, done: (result: unknown) => void): void {
    this.#socket.emit(type, payload, done);
  }

  close(): void {
    this.#socket.disconnect();
  }
}

/** Opens one connection and resolves once it can carry commands. */
export function connect(system: System, port: number, counters: ClientCounters): Promise<BenchClient> {
  if (system === 'socket-io') {
    return new Promise((resolve, reject) => {
      const socket = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
      socket.once('connect', () => resolve(new SocketIoClient(socket)));
      socket.once('connect_error', (error) => {
        counters.errors++;
        reject(error);
      });
      socket.on('disconnect', () => counters.closed++);
    });
  }
  return new Promise((resolve, reject) => {
    const url = system === 'switchyard' ? `ws://127.0.0.1:${port}/ws` : `ws://127.0.0.1:${port}`;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('error', (error) => {
      counters.errors++;
      reject(error);
    });
    ws.on('close', () => counters.closed++);
    ws.on('ping', () => counters.pings++);
    if (system === 'switchyard') {
      // Ready once the server has greeted the connection with session.connected.
      ws.once('message', () => resolve(new JsonClient(ws)));
    } else {
      ws.once('open', () => resolve(new JsonClient(ws)));
    }
  });
}
