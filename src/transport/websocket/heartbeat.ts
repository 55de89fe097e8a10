import type { WebSocket, WebSocketServer } from 'ws';
import { WsSocket } from './ws-socket.js';

/**
 * Finds dead peers. One timer per server, not one per connection: every
 * tick pings each socket, and terminates any that has not answered the
 * previous tick's ping. A peer that stops answering is therefore gone within
 * two intervals, and its `close` event cleans it up everywhere.
 *
 * @example
 * const heartbeat = new Heartbeat(wss, 30_000);
 * wss.on('connection', (ws) => heartbeat.watch(ws));
 * heartbeat.stop();
 */
export class Heartbeat {
  readonly #wss: WebSocketServer;
  readonly #timer: NodeJS.Timeout;

  constructor(wss: WebSocketServer, intervalMs: number) {
    this.#wss = wss;
    this.#timer = setInterval(tick, intervalMs, this.#wss);
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

function tick(wss: WebSocketServer): void {
  for (const ws of wss.clients) {
    const socket = WsSocket.of(ws);
    if (socket === undefined) continue;
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
