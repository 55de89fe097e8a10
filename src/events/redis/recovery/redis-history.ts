import type { Cluster, Redis } from 'ioredis';
import { Subject, merge, share, tap, type Observable } from 'rxjs';
import type { Audience } from '../../audience.js';
import type { Backplane } from '../../backplane.js';
import type { EventEnvelope } from '../../event-envelope.js';
import { FROM_START, streamOf, type EventHistory, type Replay, type ResolvedHistoryLimits } from '../../history/event-history.js';
import { readBackplaneMessage, type BackplaneMessage } from '../backplane-message.js';
import type { MessageSignature } from '../message-signature.js';
import { RECORDED_MARK, type RecordedRoute } from '../recorded-message.js';
import { afterScript, headScript, recordScript } from './history-scripts.js';

/** What a {@link RedisHistory} shares with the rest of the Redis recovery store. */
export interface RedisHistoryLink {
  /** Commands (scripts, reads). */
  readonly redis: Redis | Cluster;
  /** Key and channel prefix. */
  readonly keyPrefix: string;
  readonly nodeId: string;
  readonly signature: MessageSignature | undefined;
  readonly limits: ResolvedHistoryLimits;
  /** How long a stream's keys outlive its last event, in ms. */
  readonly keepMs: number;
  readonly reportError: (error: unknown) => void;
}

/** Heads of streams this node has seen events of, remembered so that a join needs no round trip. */
const MAX_KNOWN_HEADS = 10_000;

/** A backplane that can say where a recorded event must be published for it to deliver it (the Redis backplane). */
interface RoutingBackplane extends Backplane {
  recordedRoute(audience: Audience): RecordedRoute;
}

function routes(backplane: Backplane): backplane is RoutingBackplane {
  return typeof (backplane as Partial<RoutingBackplane>).recordedRoute === 'function';
}

/**
 * Event history in Redis Streams, so a client resumes on any node. A
 * recorded event is written and published by one Lua script (XADD, trim,
 * PUBLISH), so every node receives the events of a stream in the order of
 * their positions, its own included: a recorded event reaches local
 * connections once Redis has it, not before. With the Redis backplane, the
 * script publishes on the channel the backplane uses for the event's
 * audience (under interest routing, the room's, user's or connection's
 * own: only nodes with a local member receive it; `SPUBLISH` on a Redis
 * Cluster) and the backplane delivers it with its position. With another
 * backplane, it publishes on one channel of its own that every node's
 * recovery store reads. Each stream's keys share a hash tag with its
 * channel (`{room:lobby}`), so a Redis Cluster keeps a stream and its
 * channel on one shard. A flushed or restarted Redis starts new epochs, and older
 * positions then answer `recovered: false`. While Redis cannot be reached,
 * events are delivered through the backplane without a position: delivered
 * at most once, not recoverable.
 *
 * @example
 * new Switchyard({ backplane, presence, recovery: { store: redisRecoveryStore({ url }) } });
 */
export class RedisHistory implements EventHistory {
  readonly #link: RedisHistoryLink;
  readonly #channel: string;
  readonly #recorded = new Subject<EventEnvelope>();
  readonly #heads = new Map<string, string>();
  #malformed = 0;
  #received = 0;

  constructor(link: RedisHistoryLink) {
    this.#link = link;
    this.#channel = RedisHistory.channelOf(link.keyPrefix);
  }

  /** The channel recorded events are published on. */
  static channelOf(keyPrefix: string): string {
    return `${keyPrefix}recorded`;
  }

  /**
   * Recorded events this node received from Redis to deliver to its local
   * connections, its own included. Under interest routing, only those of the
   * rooms, users and connections it has local members of.
   */
  get received(): number {
    return this.#received;
  }

  /** Messages on the channel that were not a node's (counted, dropped). */
  get malformed(): number {
    return this.#malformed;
  }

  wrap(backplane: Backplane): Backplane {
    const route = routes(backplane) ? (audience: Audience): RecordedRoute => backplane.recordedRoute(audience) : undefined;
    const deliveries =
      route === undefined
        ? merge(backplane.deliveries, this.#recorded)
        : backplane.deliveries.pipe(
            tap((envelope) => {
              if (envelope.position === undefined) return;
              this.#received++;
              this.#remember(envelope.position.stream, envelope.position.pos);
            }),
            share(),
          );
    const wrapped: Backplane = {
      publish: (envelope) => this.#publish(backplane, envelope, route),
      get deliveries(): Observable<EventEnvelope> {
        return deliveries;
      },
      close: () => backplane.close(),
    };
    if (backplane.status$ !== undefined) Object.defineProperty(wrapped, 'status$', { get: () => backplane.status$ });
    if (backplane.stats !== undefined) Object.defineProperty(wrapped, 'stats', { get: () => backplane.stats });
    return wrapped;
  }

  head(stream: string): string | Promise<string> {
    const known = this.#heads.get(stream);
    if (known !== undefined) return known;
    return headScript.run(this.#link.redis, this.#keys(stream), []).then((pos) => {
      if (typeof pos !== 'string') throw new Error(`no head for stream ${stream}`);
      return pos;
    });
  }

  async after(stream: string, pos: string): Promise<Replay | undefined> {
    let epoch = '';
    let id = '0-0';
    if (pos !== FROM_START) {
      const parsed = parse(pos);
      if (parsed === undefined) return undefined;
      ({ epoch, id } = parsed);
    }
    const { limits } = this.#link;
    const flat = await afterScript.run(this.#link.redis, this.#keys(stream), [epoch, id, limits.maxAgeMs, limits.maxEvents + 1]);
    if (!Array.isArray(flat)) return undefined;
    const current = String(flat[0]);
    const events: EventEnvelope[] = [];
    for (let index = 1; index + 1 < flat.length; index += 2) {
      const envelope = this.#open(String(flat[index + 1]));
      if (envelope !== undefined) events.push({ ...envelope, position: { stream, pos: `${current}.${String(flat[index])}` } });
    }
    return { events };
  }

  compare(a: string, b: string): number | undefined {
    const left = parse(a);
    const right = parse(b);
    if (left === undefined || right === undefined || left.epoch !== right.epoch) return undefined;
    return left.ms - right.ms || left.seq - right.seq;
  }

  /** Handles one message of the recorded channel: `<pos> <message>`. */
  receive(raw: string): void {
    const space = raw.indexOf(' ');
    const envelope = space < 0 ? undefined : this.#open(raw.slice(space + 1));
    const stream = envelope === undefined ? undefined : streamOf(envelope.audience, envelope.volatile);
    if (envelope === undefined || stream === undefined) {
      this.#malformed++;
      return;
    }
    const pos = raw.slice(0, space);
    this.#received++;
    this.#remember(stream, pos);
    this.#recorded.next({ ...envelope, position: { stream, pos } });
  }

  async close(): Promise<void> {
    this.#recorded.complete();
  }

  #publish(backplane: Backplane, envelope: EventEnvelope, route: ((audience: Audience) => RecordedRoute) | undefined): void {
    const stream = streamOf(envelope.audience, envelope.volatile);
    if (stream === undefined) return backplane.publish(envelope);
    let message: string;
    try {
      message = JSON.stringify({ n: this.#link.nodeId, e: envelope } satisfies BackplaneMessage);
    } catch (error) {
      this.#link.reportError(error);
      return;
    }
    if (this.#link.signature !== undefined) message = this.#link.signature.sign(message);
    const { limits, keepMs } = this.#link;
    const { channel, sharded } = route?.(envelope.audience) ?? { channel: this.#channel, sharded: false };
    const mark = route === undefined ? '' : RECORDED_MARK;
    recordScript.run(this.#link.redis, this.#keys(stream), [limits.maxEvents, limits.maxAgeMs, channel, message, keepMs, sharded ? 'SPUBLISH' : 'PUBLISH', mark]).catch((error: unknown) => {
      // Redis is away: the event still goes out, at most once, without a position.
      this.#link.reportError(error);
      backplane.publish(envelope);
    });
  }

  #open(raw: string): EventEnvelope | undefined {
    let json: string | undefined = raw;
    if (this.#link.signature !== undefined) json = this.#link.signature.open(raw);
    if (json === undefined) return undefined;
    try {
      return readBackplaneMessage(JSON.parse(json))?.e;
    } catch {
      return undefined;
    }
  }

  #remember(stream: string, pos: string): void {
    this.#heads.delete(stream);
    this.#heads.set(stream, pos);
    if (this.#heads.size > MAX_KNOWN_HEADS) this.#heads.delete(this.#heads.keys().next().value as string);
  }

  #keys(stream: string): [string, string] {
    const tag = `${this.#link.keyPrefix}{${stream}}`;
    return [`${tag}:history`, `${tag}:meta`];
  }
}

function parse(pos: string): { epoch: string; id: string; ms: number; seq: number } | undefined {
  if (typeof pos !== 'string') return undefined;
  const dot = pos.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const id = pos.slice(dot + 1);
  const match = /^(\d{1,16})-(\d{1,16})$/.exec(id);
  if (match === null) return undefined;
  return { epoch: pos.slice(0, dot), id, ms: Number(match[1]), seq: Number(match[2]) };
}
