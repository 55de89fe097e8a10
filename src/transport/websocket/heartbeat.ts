import type { WebSocket, WebSocketServer } from 'ws';

const kAlive = Symbol('switchyard.alive');

type WatchedSocket = WebSocket & { [kAlive]: boolean };

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

  /** Starts watching a newly accepted socket. */
  watch(ws: WebSocket): void {
    (ws as WatchedSocket)[kAlive] = true;
    ws.on('pong', onPong);
  }

  /** Stops the timer. Idempotent. */
  stop(): void {
    clearInterval(this.#timer);
  }
}

function tick(wss: WebSocketServer): void {
  for (const ws of wss.clients) {
    const watched = ws as WatchedSocket;
    if (watched[kAlive] === false) {
      watched.terminate();
      continue;
    }
    if (watched.readyState !== watched.OPEN) continue;
    watched[kAlive] = false;
    watched.ping();
  }
}

function onPong(this: WebSocket): void {
  (this as WatchedSocket)[kAlive] = true;
}
