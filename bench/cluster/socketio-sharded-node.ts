// One Socket.IO node on @socket.io/redis-adapter in its sharded mode
// (createShardedAdapter: SPUBLISH/SSUBSCRIBE, a channel per room, its
// recommended scale path on Redis 7), for the scale-out benchmark. Prints
// {"port"} on stdout once ready; answers "stats" with the Redis messages
// its subscriber received.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const pub = new Redis(url);
const sub = pub.duplicate();
let received = 0;
sub.on('smessageBuffer', () => void (received += 1));
const http = createServer();
const io = new Server(http, {
  adapter: createShardedAdapter(pub, sub, { channelPrefix: process.env['KEY_PREFIX'] ?? 'socket.io', subscriptionMode: 'dynamic' }),
  transports: ['websocket'],
});

io.on('connection', (socket) => {
  socket.on('join', (room: string, ack: () => void) => {
    void socket.join(room);
    // The adapter subscribes to a new room's channel without telling when it is done; a round trip on the subscriber follows it.
    void sub.ping().then(() => ack());
  });
  socket.on('say', (message: { room: string; text: string; sentAt: number }) => {
    socket.to(message.room).emit('message', { text: message.text, sentAt: message.sentAt });
  });
  socket.on('stats', (ack: (stats: { received: number }) => void) => ack({ received }));
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
