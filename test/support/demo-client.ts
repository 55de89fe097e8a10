import { WebSocket } from 'ws';
import { SwitchyardClient, type ClientOptions, type EventPayloadFor, type EventsIn } from '../../src/client/index.js';
import type * as Contract from '../../demo/contract.js';

/** A client typed by the demo's contract. */
export type DemoClient = SwitchyardClient<typeof Contract>;

/**
 * Connects a typed client (over `ws`) to a demo server as `user` (anonymous
 * without one) and waits until it is open.
 *
 * @example
 * const ada = await connectDemoClient(server.wsUrl, 'ada');
 */
export async function connectDemoClient(wsUrl: string, user?: string, options: Partial<ClientOptions<DemoClient>> = {}): Promise<DemoClient> {
  const url = user === undefined ? wsUrl : `${wsUrl}?user=${encodeURIComponent(user)}`;
  const client: DemoClient = new SwitchyardClient<typeof Contract>({ url, WebSocket, requestTimeoutMs: 5000, ...options });
  await client.ready();
  return client;
}

type Demo = typeof Contract;
type DemoEventType = EventsIn<Demo>['type'];

/**
 * Collects every event of one type a client receives, from now on.
 *
 * @example
 * const messages = collect(bob, 'chat.message');
 */
export function collect<T extends DemoEventType>(client: DemoClient, type: T): EventPayloadFor<Demo, T>[] {
  const seen: EventPayloadFor<Demo, T>[] = [];
  client.on(type, (payload) => seen.push(payload));
  return seen;
}

/**
 * Resolves with the next event of one type.
 *
 * @example
 * const { text } = await nextEvent(bob, 'chat.message');
 */
export function nextEvent<T extends DemoEventType>(client: DemoClient, type: T): Promise<EventPayloadFor<Demo, T>> {
  return new Promise((resolve) => {
    const off = client.on(type, (payload) => {
      off();
      resolve(payload);
    });
  });
}
