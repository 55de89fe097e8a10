import { Subject, type Observable } from 'rxjs';
import type { Audience } from './audience.js';
import type { EventDefinition, EventPayloadOf } from '../protocol/define-event.js';
import type { EventEnvelope } from './event-envelope.js';
import type { PublishOptions } from './publish-options.js';

/**
 * Publishes domain events. Handlers get it injected (or use `ctx.publish`);
 * it knows nothing of sockets: events go onto an RxJS stream, and whatever
 * transport or backplane subscribes takes them from there.
 *
 * @example
 * \@injectable()
 * class ChatSayHandler {
 *   constructor(private readonly events: EventPublisher) {}
 *   async execute(payload: PayloadOf<typeof ChatSay>, ctx: CommandContext) {
 *     this.events.publish(ChatMessage, { ...payload, from: ctx.connectionId, at: Date.now() }, to.room(payload.room).except(ctx.connectionId));
 *     return { messageId: randomUUID() };
 *   }
 * }
 */
export class EventPublisher {
  readonly #stream = new Subject<EventEnvelope>();

  /** Every published event, in publish order. Completes on {@link close}. */
  get events$(): Observable<EventEnvelope> {
    return this.#stream.asObservable();
  }

  /** Publishes `payload` as event `event` to `audience`. Publishing after close is a no-op. */
  publish<E extends EventDefinition>(event: E, payload: EventPayloadOf<E>, audience: Audience, options?: PublishOptions): void {
    this.#stream.next(options?.volatile === true ? { type: event.type, payload, audience, volatile: true } : { type: event.type, payload, audience });
  }

  /** Completes the stream. Idempotent. */
  close(): void {
    this.#stream.complete();
  }
}
