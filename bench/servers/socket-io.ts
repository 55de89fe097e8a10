// Socket.IO 4 with acknowledgements, websocket transport only.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { announce } from './server-kit.js';

const httpServer = createServer();
const io = new Server(httpServer, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });
io.on('connection', onConnection);
httpServer.listen(0, '127.0.0.1', () => {
  announce((httpServer.address() as AddressInfo).port, () => io.engine.clientsCount);
});

function onConnection(socket: Socket): void {
  socket.on('echo', (payload: unknown, ack: (result: unknown) => void) => ack(payload));
  socket.on('room.join', (payload: { room: string }, ack: (result: unknown) => void) => {
    void socket.join(payload.room);
    ack({ room: payload.room });
  });
  socket.on('fanout', (payload: { room: string; seq: number; text: string }, ack: (result: unknown) => void) => {
    io.to(payload.room).emit('tick', payload);
    ack({ ok: true });
  });
}
