// A minimal WebSocket client for connection storms, on plain TCP sockets: it
// writes one fixed upgrade request and counts the server's frames, so the
// server, not the client's own handshake code (key generation, an HTTP
// client, a frame parser), is what a storm measures.
import { connect as tcpConnect, type Socket } from 'node:net';
import type { System } from './bench-client.js';

/** How a storm went: the time until every client had its greeting, and how many failed. */
export interface StormOutcome {
  readonly connected: number;
  readonly failed: number;
  readonly ms: number;
  /** Why connections failed: error codes, or the status line of a refused upgrade, with counts. */
  readonly reasons: Record<string, number>;
}

// Any 16 bytes in base64 will do: the server only hashes it into its Sec-WebSocket-Accept.
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
// A masked text frame "40": Socket.IO's CONNECT to the main namespace (a zero mask leaves the bytes as they are).
const SOCKET_IO_CONNECT = Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x34, 0x30]);

function upgradeRequest(system: System, port: number, token: string | undefined): Buffer {
  const path = system === 'switchyard' ? '/ws' : system === 'socket-io' ? '/socket.io/?EIO=4&transport=websocket' : '/';
  const auth = token === undefined ? '' : `Authorization: Bearer ${token}\r\n`;
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n${auth}\r\n`,
  );
}

/** The frames a system sends before a client may use its connection: Socket.IO's open packet and CONNECT reply, one greeting otherwise. */
function framesToReady(system: System): number {
  return system === 'socket-io' ? 2 : 1;
}

/** Counts the complete server frames (unmasked) at the start of `data`; returns the count and the bytes they take. */
function countFrames(data: Buffer, start: number): { frames: number; end: number } {
  let offset = start;
  let frames = 0;
  while (offset + 2 <= data.length) {
    const length = (data[offset + 1] as number) & 0x7f;
    let header = 2;
    let payload = length;
    if (length === 126) {
      if (offset + 4 > data.length) break;
      header = 4;
      payload = data.readUInt16BE(offset + 2);
    } else if (length === 127) {
      if (offset + 10 > data.length) break;
      header = 10;
      payload = Number(data.readBigUInt64BE(offset + 2));
    }
    if (offset + header + payload > data.length) break;
    offset += header + payload;
    frames++;
  }
  return { frames, end: offset };
}

/**
 * Opens `count` connections at once (every connect started in the same
 * turn), one token each if given, and resolves once every one has been
 * greeted or has failed. The sockets stay open until `closeAll`.
 */
export function storm(system: System, port: number, count: number, tokens?: readonly string[]): Promise<StormOutcome> {
  const requests = tokens === undefined ? [upgradeRequest(system, port, undefined)] : tokens.map((token) => upgradeRequest(system, port, token));
  const needed = framesToReady(system);
  const started = performance.now();
  let settled = 0;
  let connected = 0;
  let failed = 0;
  const reasons: Record<string, number> = {};
  return new Promise((resolve) => {
    const done = (reason: string | undefined): void => {
      if (reason === undefined) connected++;
      else {
        failed++;
        reasons[reason] = (reasons[reason] ?? 0) + 1;
      }
      if (++settled === count) resolve({ connected, failed, ms: performance.now() - started, reasons });
    };
    for (let i = 0; i < count; i++) {
      const socket = tcpConnect(port, '127.0.0.1');
      sockets.push(socket);
      const request = requests[i % requests.length] as Buffer;
      let buffered: Buffer | undefined;
      let headerEnd = -1;
      let frames = 0;
      let finished = false;
      const finish = (reason: string | undefined): void => {
        if (finished) return;
        finished = true;
        socket.removeAllListeners('data');
        done(reason);
      };
      socket.setNoDelay(true);
      socket.once('connect', () => socket.write(request));
      socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
      socket.on('close', () => finish(headerEnd === -1 ? 'closed before the upgrade' : 'closed before the greeting'));
      socket.on('data', (chunk: Buffer) => {
        buffered = buffered === undefined ? chunk : Buffer.concat([buffered, chunk]);
        if (headerEnd === -1) {
          const end = buffered.indexOf('\r\n\r\n');
          if (end === -1) return;
          if (buffered.toString('latin1', 9, 12) !== '101') return finish(buffered.toString('latin1', 0, buffered.indexOf('\r\n')));
          headerEnd = end + 4;
          buffered = buffered.subarray(headerEnd);
        }
        const counted = countFrames(buffered, 0);
        buffered = buffered.subarray(counted.end);
        const before = frames;
        frames += counted.frames;
        if (system === 'socket-io' && before === 0 && frames >= 1) socket.write(SOCKET_IO_CONNECT);
        if (frames >= needed) finish(undefined);
      });
    }
  });
}

const sockets: Socket[] = [];

/** Closes every storm socket. */
export function closeAll(): void {
  for (const socket of sockets) socket.destroy();
  sockets.length = 0;
}
