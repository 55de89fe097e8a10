import type { WebSocket } from 'ws';
import { CloseCode } from '../../protocol/errors.js';
import type { Connection } from '../../session/connection.js';
import type { SendOptions, Socket } from '../../session/socket.js';
import type { PreparedFrame } from '../../session/prepared-frame.js';
import type { TransportTelemetry } from '../../observability/telemetry.js';
import { Admission, admit } from './backpressure.js';
import { preFramedSender, rawSocket, wsTextFrame } from './pre-framed.js';
import type { Duplex } from 'node:stream';

// ws sends a Buffer as a binary frame unless told otherwise; ours hold UTF-8 text.
const TEXT = Object.freeze({ binary: false });

const kSocket = Symbol('switchyard.socket');

/**
 * Frames one socket may hand to the hub in one event-loop turn. `ws` emits
 * every frame of a TCP chunk at once, thousands of small ones from a
 * pipelining client; past this many the socket is paused and the rest wait
 * for the next turn, so the other sockets are served in between.
 *
 * @example
 * // 1,000 pipelined commands reach the hub over about 32 event-loop turns.
 * const turns = Math.ceil(1000 / FRAMES_PER_TURN);
 */
export const FRAMES_PER_TURN = 32;

// One shared turn counter, advanced by at most one setImmediate per turn in which frames arrived.
let turn = 0;
let turnEnding = false;

function nextTurn(): void {
  turn++;
  turnEnding = false;
}

/** The backpressure policy every socket of a transport shares. */
export interface SendPolicy {
  readonly maxBufferedBytes: number;
  readonly closeTimeoutMs: number;
  /** Counts what the policy drops and closes. */
  readonly telemetry: TransportTelemetry;
}

/**
 * Adapts a `ws` socket to the {@link Socket} a connection needs, under the
 * backpressure policy. It is the one thing tagged onto the `ws` object, and
 * carries the connection and the heartbeat's flag, so an idle connection
 * costs as few objects as it can. It keeps itself in its transport's set of
 * open sockets (ws's own client tracking costs a closure per connection).
 */
export class WsSocket implements Socket {
  /** The connection this socket serves; set once the hub has opened it. */
  connection: Connection | undefined;
  /** Whether the peer answered the last heartbeat ping. */
  alive = true;
  readonly ws: WebSocket;
  readonly #policy: SendPolicy;
  readonly #open: Set<WsSocket>;
  #overflowed = false;
  #corked = false;
  #turn = -1;
  #frames = 0;
  // Frames held over to a later turn, as (data, isBinary) pairs in order; undefined while none are.
  #backlog: (Buffer | boolean)[] | undefined;

  constructor(ws: WebSocket, policy: SendPolicy, open: Set<WsSocket>) {
    this.ws = ws;
    this.#policy = policy;
    this.#open = open;
    open.add(this);
    (ws as WebSocket & { [kSocket]: WsSocket })[kSocket] = this;
  }

  /** The adapter tagged onto a `ws` socket, if any. */
  static of(ws: WebSocket): WsSocket | undefined {
    return (ws as WebSocket & { [kSocket]?: WsSocket })[kSocket];
  }

  /** Hands an inbound frame to the connection, or holds it over when this socket has had its share of the turn. */
  receive(data: Buffer, isBinary: boolean): void {
    if (this.#backlog !== undefined) return void this.#backlog.push(data, isBinary);
    if (!turnEnding) {
      turnEnding = true;
      setImmediate(nextTurn);
    }
    if (this.#turn !== turn) {
      this.#turn = turn;
      this.#frames = 0;
    }
    if (++this.#frames > FRAMES_PER_TURN) {
      this.#backlog = [data, isBinary];
      this.ws.pause();
      setImmediate(drainBacklog, this);
      return;
    }
    this.connection?.receive(data, isBinary);
  }

  /** Hands over the next share of held-over frames; resumes reading once none are left. */
  drainBacklog(): void {
    const backlog = this.#backlog;
    if (backlog === undefined) return;
    const share = Math.min(backlog.length, FRAMES_PER_TURN * 2);
    for (let n = 0; n < share; n += 2) this.connection?.receive(backlog[n] as Buffer, backlog[n + 1] as boolean);
    // These count against the turn they ran in, so frames read later in it wait too.
    this.#turn = turn;
    this.#frames = share / 2;
    if (share < backlog.length) {
      backlog.splice(0, share);
      setImmediate(drainBacklog, this);
      return;
    }
    this.#backlog = undefined;
    this.ws.resume();
  }

  send(data: string | Buffer, options?: SendOptions): void {
    if (this.#overflowed) return;
    const buffered = this.ws.bufferedAmount;
    // A UTF-16 unit is at most 3 UTF-8 bytes: only a frame near the bound is worth measuring exactly.
    const bound = typeof data === 'string' ? data.length * 3 : data.length;
    const bytes = typeof data === 'string' && buffered + bound > this.#policy.maxBufferedBytes ? Buffer.byteLength(data) : bound;
    const admission = admit(buffered, bytes, options?.volatile === true, this.#policy.maxBufferedBytes);
    if (admission === Admission.SEND) {
      this.#corkForTurn();
      return void this.ws.send(data, TEXT);
    }
    this.#refuse(admission);
  }

  /**
   * Holds this socket's writes until the current run of JavaScript ends
   * (`process.nextTick`): the replies to the commands of one TCP read then
   * leave in one system call, not one each. Fan-out does not come here (one
   * frame per socket gains nothing from it).
   */
  #corkForTurn(): void {
    if (this.#corked) return;
    const raw = rawSocket(this.ws);
    if (raw === undefined) return;
    this.#corked = true;
    raw.cork();
    process.nextTick(uncork, this, raw);
  }

  /** Releases what `#corkForTurn` held. */
  uncorked(raw: Duplex): void {
    this.#corked = false;
    raw.uncork();
  }

  /**
   * Sends a frame prepared for many sockets: its WebSocket framing, made
   * once for all of them, written as is, under the same bound as `send`.
   * Where `ws` cannot take a pre-framed message (the socket is closing, or
   * its internals are not what this expects), it is an ordinary `send`.
   */
  sendPrepared(frame: PreparedFrame, options?: SendOptions): void {
    if (this.#overflowed) return;
    const sender = preFramedSender(this.ws);
    if (sender === undefined) return this.send(frame.data, options);
    const wire = frame.wire(wsTextFrame);
    const admission = admit(this.ws.bufferedAmount, wire.length, options?.volatile === true, this.#policy.maxBufferedBytes);
    if (admission === Admission.SEND) return void sender.sendFrame([wire]);
    this.#refuse(admission);
  }

  /** A frame over the bound: dropped if volatile, and otherwise the connection closes (1013). */
  #refuse(admission: Admission): void {
    if (admission === Admission.DROP) return void this.#policy.telemetry.backpressureDropped();
    this.#overflowed = true;
    this.#policy.telemetry.backpressureClosed();
    this.ws.close(CloseCode.TRY_AGAIN_LATER, 'slow consumer');
    // A peer that does not read will not read the close frame either: cut it once the grace period is over.
    setTimeout(terminate, this.#policy.closeTimeoutMs, this.ws).unref();
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  /** Leaves the transport's set of open sockets, gives back its budgets, and tells the hub; called once `ws` has closed. */
  closed(): void {
    this.#open.delete(this);
    this.connection?.lease?.release();
    this.connection?.closed();
  }
}

function uncork(socket: WsSocket, raw: Duplex): void {
  socket.uncorked(raw);
}

function drainBacklog(socket: WsSocket): void {
  socket.drainBacklog();
}

function terminate(ws: WebSocket): void {
  ws.terminate();
}
