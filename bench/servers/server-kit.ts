import { WebSocketServer, type WebSocket } from 'ws';
import { serveParent } from '../lib/ipc.js';

/** What the runner reads from a server process: its own CPU time and memory. */
export interface ServerStats {
  /** User plus system CPU time of this process, in microseconds. */
  readonly cpuMicros: number;
  readonly wallMs: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly connections: number;
}

/** Makes a bench server answer the runner, then announces its port. */
export function announce(port: number, connections: () => number): void {
  serveParent(
    {
      stats: (): ServerStats => {
        const cpu = process.cpuUsage();
        const memory = process.memoryUsage();
        return { cpuMicros: cpu.user + cpu.system, wallMs: performance.now(), rss: memory.rss, heapUsed: memory.heapUsed, connections: connections() };
      },
      gc: async (): Promise<boolean> => {
        const gc = (globalThis as { gc?: () => void }).gc;
        if (gc === undefined) return false;
        for (let i = 0; i < 3; i++) {
          gc();
          await new Promise((resolve) => setImmediate(resolve));
        }
        return true;
      },
    },
    { port },
  );
  process.on('SIGTERM', () => process.exit(0));
}

/** A bare `ws` server on 127.0.0.1 at a free port, announced to the runner once it listens. */
export function serveRawWs(onConnection: (ws: WebSocket) => void): WebSocketServer {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', onConnection);
  wss.on('listening', () => {
    const address = wss.address();
    if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
    announce(address.port, () => wss.clients.size);
  });
  return wss;
}
