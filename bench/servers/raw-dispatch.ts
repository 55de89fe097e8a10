// What a team would hand-write instead of a bus: JSON.parse, a Map of async
// handlers, a JSON reply carrying the id, and a greeting with the
// connection's id when it opens. Rooms are Sets of sockets, and a publish
// serializes the event once and sends that string to every member: the
// honest best such a loop does.
import type { WebSocket } from 'ws';
import { serveRawWs } from './server-kit.js';

interface Frame {
  type?: unknown;
  id?: unknown;
  payload?: unknown;
}

type RoomSocket = WebSocket & { rooms?: Set<string> };
type RawHandler = (payload: any, ws: RoomSocket) => Promise<unknown>; // eslint-disable-line @typescript-eslint/no-explicit-any

const rooms = new Map<string, Set<RoomSocket>>();

const handlers = new Map<string, RawHandler>([
  ['echo', async (payload) => payload],
  [
    'room.join',
    async (payload: { room: string }, ws) => {
      let members = rooms.get(payload.room);
      if (members === undefined) rooms.set(payload.room, (members = new Set()));
      members.add(ws);
      (ws.rooms ??= new Set()).add(payload.room);
      return { room: payload.room };
    },
  ],
  [
    'fanout',
    async (payload: { room: string; seq: number; text: string }) => {
      const data = JSON.stringify({ kind: 'event', type: 'tick', payload });
      for (const member of rooms.get(payload.room) ?? []) member.send(data);
      return { ok: true };
    },
  ],
]);

serveRawWs(onConnection);

let connections = 0;

function onConnection(ws: WebSocket): void {
  ws.on('message', onMessage);
  ws.on('close', onClose);
  ws.send(JSON.stringify({ kind: 'event', type: 'session.connected', payload: { connectionId: String(++connections), user: null } }));
}

function onClose(this: RoomSocket): void {
  for (const room of this.rooms ?? []) rooms.get(room)?.delete(this);
}

function onMessage(this: WebSocket, data: Buffer): void {
  const ws = this;
  let frame: Frame;
  try {
    frame = JSON.parse(data.toString('utf8')) as Frame;
  } catch {
    return void ws.send('{"kind":"error","error":{"code":"BAD_FRAME","message":"frame is not valid JSON"}}');
  }
  const handler = typeof frame.type === 'string' ? handlers.get(frame.type) : undefined;
  if (handler === undefined) {
    return void ws.send(JSON.stringify({ kind: 'error', id: frame.id, error: { code: 'UNKNOWN_COMMAND', message: 'unknown command' } }));
  }
  handler(frame.payload, ws).then(
    (result) => ws.send(JSON.stringify({ kind: 'result', id: frame.id, payload: result })),
    () => ws.send(JSON.stringify({ kind: 'error', id: frame.id, error: { code: 'INTERNAL', message: 'internal error' } })),
  );
}
