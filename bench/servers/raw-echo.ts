// The transport floor: ws sends every frame straight back.
import { WebSocketServer, type WebSocket } from 'ws';
import { announce } from './server-kit.js';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', onConnection);
wss.on('listening', () => {
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  announce(address.port, () => wss.clients.size);
});

function onConnection(ws: WebSocket): void {
  ws.on('message', onMessage);
}

function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  this.send(data, { binary: isBinary });
}
