// One Socket.IO node on @socket.io/redis-adapter, the comparison point of
// the cross-node benchmark. Prints {"port"} on stdout once ready.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const pub = new Redis(url);
const sub = pub.duplicate();
const http = createServer();
const io = new Server(http, { adapter: createAdapter(pub, sub, { key: process.env['KEY_PREFIX'] ?? 'socket.io' }), transports: ['websocket'] });

io.on('connection', (socket) => {
  socket.on('join', (room: string, ack: () => void) => {
    void socket.join(room);
    ack();
  });
  socket.on('say', (message: { room: string; text: string; sentAt: number }) => {
    socket.to(message.room).emit('message', { text: message.text, sentAt: message.sentAt });
  });
});

http.listen(0, '127.0.0.1');
await once(http, 'listening');
const address = http.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 })}\n`);
process.once('SIGTERM', () => {
  io.close();
  pub.disconnect();
  sub.disconnect();
  process.exit(0);
});
