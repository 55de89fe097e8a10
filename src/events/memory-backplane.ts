import { Subject, type Observable } from 'rxjs';
import type { Backplane } from './backplane.js';
import type { EventEnvelope } from './event-envelope.js';

/**
 * The default backplane: one process, no engine. Every published event is
 * delivered to this process's transports synchronously, in publish order.
 *
 * @example
 * const app = new Switchyard({ backplane: new MemoryBackplane() });
 */
export class MemoryBackplane implements Backplane {
  readonly #deliveries = new Subject<EventEnvelope>();

  get deliveries(): Observable<EventEnvelope> {
    return this.#deliveries.asObservable();
  }

  publish(envelope: EventEnvelope): void {
    this.#deliveries.next(envelope);
  }

  async close(): Promise<void> {
    this.#deliveries.complete();
  }
}
