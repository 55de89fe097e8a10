import type { WebSocket } from 'ws';
import { WsSocket } from './ws-socket.js';

/**
 * Finds dead peers. One timer per server, not one per connection: every
 * tick pings each socket, and terminates any that has not answered the
 * previous tick's ping. A peer that stops answering is therefore gone within
 * two intervals, and its `close` event cleans it up everywhere.
 *
 * @example
 * const heartbeat = new Heartbeat(openSockets, 30_000);
 * heartbeat.watch(ws);
 * heartbeat.stop();
 */
export class Heartbeat {
  readonly #timer: NodeJS.Timeout;

  constructor(sockets: ReadonlySet<WsSocket>, intervalMs: number) {
    this.#timer = setInterval(tick, intervalMs, sockets);
    // A heartbeat alone must not keep the process alive.
    this.#timer.unref();
  }

  /** Starts watching a newly accepted socket (its {@link WsSocket} keeps the flag). */
  watch(ws: WebSocket): void {
    ws.on('pong', onPong);
  }

  /** Stops the timer. Idempotent. */
  stop(): void {
    clearInterval(this.#timer);
  }
}

function tick(sockets: ReadonlySet<WsSocket>): void {
  for (const socket of sockets) {
    const ws = socket.ws;
    if (!socket.alive) {
      ws.terminate();
      continue;
    }
    if (ws.readyState !== ws.OPEN) continue;
    socket.alive = false;
    ws.ping();
  }
}

function onPong(this: WebSocket): void {
  const socket = WsSocket.of(this);
  if (socket !== undefined) socket.alive = true;
}
