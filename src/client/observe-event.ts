import { Observable } from 'rxjs';
import type { EventPayloadFor, EventRef } from './contract-types.js';
import type { SwitchyardClient } from './switchyard-client.js';

/**
 * The events of one type as an RxJS `Observable`; it completes when the
 * client closes. Kept apart from the client so the browser path, which loads
 * the client as plain ES modules, does not need RxJS.
 *
 * @example
 * observeEvent(client, ChatMessage).pipe(filter((m) => m.room === 'lobby')).subscribe(show);
 */
export function observeEvent<M, R extends EventRef<M>>(client: SwitchyardClient<M>, event: R): Observable<EventPayloadFor<M, R>> {
  return new Observable<EventPayloadFor<M, R>>((subscriber) => {
    if (client.state === 'closed') return subscriber.complete();
    const off = client.on(event, (payload) => subscriber.next(payload));
    const offState = client.onStateChange((state) => {
      if (state === 'closed') subscriber.complete();
    });
    return () => {
      off();
      offState();
    };
  });
}
