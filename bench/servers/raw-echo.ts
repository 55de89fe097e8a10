// The transport floor: ws sends every frame straight back.
import type { WebSocket } from 'ws';
import { serveRawWs } from './server-kit.js';

serveRawWs(onConnection);

function onConnection(ws: WebSocket): void {
  ws.on('message', onMessage);
}

function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  this.send(data, { binary: isBinary });
}
