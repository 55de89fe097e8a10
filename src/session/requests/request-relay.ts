import type { EventEnvelope } from '../../events/event-envelope.js';
import type { Codec, DecodedAnswer } from '../../protocol/codec.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { WireError } from '../../protocol/frames.js';
import type { Connection } from '../connection.js';
import type { ConnectionRegistry } from '../connection-registry.js';

interface Outstanding {
  readonly connection: Connection;
  readonly replyTo: string;
  readonly type: string;
  readonly timer: NodeJS.Timeout;
}

/**
 * One hub's side of server-to-client requests: it sends each `ask`
 * envelope for one of its connections as a `request` frame, remembers which
 * connection it asked, and turns that connection's answer into an `answer`
 * envelope to the asking connection. An answer is accepted only from the
 * connection that was asked and only once; any other id is ignored. A
 * request is forgotten at its deadline, and answered `UNAVAILABLE` at once
 * if its connection closes first.
 *
 * @example
 * const relay = new RequestRelay(registry, codec, (envelope) => backplane.publish(envelope));
 * relay.deliver(askEnvelope);
 */
export class RequestRelay {
  readonly #registry: ConnectionRegistry;
  readonly #codec: Codec;
  readonly #send: (envelope: EventEnvelope) => void;
  readonly #outstanding = new Map<string, Outstanding>();

  constructor(registry: ConnectionRegistry, codec: Codec, send: (envelope: EventEnvelope) => void) {
    this.#registry = registry;
    this.#codec = codec;
    this.#send = send;
  }

  /** Sends a request to its connection, if that connection is on this hub; other control envelopes are not for it. */
  deliver(envelope: EventEnvelope): void {
    const control = envelope.control;
    if (control?.kind !== 'ask' || envelope.audience.kind !== 'connection') return;
    const connection = this.#registry.get(envelope.audience.id);
    if (connection === undefined || !connection.open) return;
    if (this.#codec.encodeRequest === undefined) {
      return this.#answer(control.replyTo, control.id, envelope.type, undefined, {
        code: ErrorCode.UNAVAILABLE,
        message: `the connection's protocol (${this.#codec.name}) carries no requests from the server`,
        details: [],
      });
    }
    let frame: string;
    try {
      frame = this.#codec.encodeRequest(control.id, envelope.type, envelope.payload);
    } catch {
      // A payload that cannot be encoded (a BigInt, a cycle) is the asking handler's bug; it hears of it now, not at its timeout.
      return this.#answer(control.replyTo, control.id, envelope.type, undefined, { code: ErrorCode.INTERNAL, message: 'the request could not be encoded', details: [] });
    }
    // Forgotten at the asker's deadline: an answer after it would find nobody waiting anyway.
    const timer = setTimeout(this.#expire, control.timeoutMs, control.id);
    timer.unref();
    this.#outstanding.set(control.id, { connection, replyTo: control.replyTo, type: envelope.type, timer });
    connection.send(frame);
  }

  /** Takes a connection's answer; returns whether it answered a request this hub sent it. */
  answered(connection: Connection, answer: DecodedAnswer): boolean {
    const id = answer.id;
    if (id === undefined) return false;
    const outstanding = this.#outstanding.get(id);
    if (outstanding === undefined || outstanding.connection !== connection) return false;
    this.#forget(id, outstanding);
    this.#answer(outstanding.replyTo, id, outstanding.type, answer.payload, answer.error);
    return true;
  }

  /** Refuses the requests a closing connection still owes an answer to, so their askers need not wait out the timeout. */
  closed(connection: Connection): void {
    if (this.#outstanding.size === 0) return;
    for (const [id, outstanding] of this.#outstanding) {
      if (outstanding.connection !== connection) continue;
      this.#forget(id, outstanding);
      this.#answer(outstanding.replyTo, id, outstanding.type, undefined, { code: ErrorCode.UNAVAILABLE, message: 'the connection closed before it answered', details: [] });
    }
  }

  #answer(replyTo: string, id: string, type: string, payload: unknown, error: WireError | undefined): void {
    const control = error === undefined ? { kind: 'answer' as const, id } : { kind: 'answer' as const, id, error };
    this.#send({ type, payload, audience: { kind: 'connection', id: replyTo }, control });
  }

  #forget(id: string, outstanding: Outstanding): void {
    clearTimeout(outstanding.timer);
    this.#outstanding.delete(id);
  }

  readonly #expire = (id: string): void => {
    this.#outstanding.delete(id);
  };
}
