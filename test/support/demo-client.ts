import { WebSocket } from 'ws';
import { SwitchyardClient, type ClientOptions, type ClientState, type EventPayloadFor, type EventsIn, type StateChange } from '../../src/client/index.js';
import type * as Contract from '../../demo/contract.js';
import { within } from './socket-harness.js';

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
  await within(client.ready(), 5000, `${user ?? 'an anonymous user'} to connect`);
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
 * Resolves with the next event of one type; rejects after `timeoutMs`.
 *
 * @example
 * const { text } = await nextEvent(bob, 'chat.message');
 */
export function nextEvent<T extends DemoEventType>(client: DemoClient, type: T, timeoutMs = 5000): Promise<EventPayloadFor<Demo, T>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for a ${type} event`));
    }, timeoutMs);
    const off = client.on(type, (payload) => {
      off();
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/**
 * Resolves with the change that brings any client to state `wanted` (at
 * once if it is there); rejects after `timeoutMs`.
 *
 * @example
 * const { error } = await stateReached(client, 'closed');
 */
export function stateReached(client: { readonly state: ClientState; onStateChange: SwitchyardClient['onStateChange'] }, wanted: ClientState, timeoutMs = 5000): Promise<StateChange | undefined> {
  if (client.state === wanted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for the client to be ${wanted} (it is ${client.state})`));
    }, timeoutMs);
    const off = client.onStateChange((state, change) => {
      if (state !== wanted) return;
      off();
      clearTimeout(timer);
      resolve(change);
    });
  });
}
