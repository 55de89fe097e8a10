import type { Identity } from '../../protocol/identity.js';
import { ConnectionHub } from '../../session/connection-hub.js';
import { DEFAULT_DRAIN_DEADLINE_MS, type DrainOptions, type Transport, type TransportContext } from '../transport.js';
import { MemoryClient } from './memory-client.js';

/**
 * An in-process transport for tests: no socket, no port. Each fake client
 * goes through the same hub, codec and bus as a real WebSocket client, and
 * keeps every frame it receives for assertions.
 *
 * @example
 * const memory = new MemoryTransport();
 * await app.listen(memory);
 * const alice = memory.connect({ user: { id: 'alice' } });
 * expect(await alice.request(Echo, 'hi')).toBe('hi');
 */
export class MemoryTransport implements Transport {
  #hub: ConnectionHub | undefined;
  #context: TransportContext | undefined;
  readonly #clients = new Set<MemoryClient>();

  async start(context: TransportContext): Promise<void> {
    if (this.#hub !== undefined) throw new Error('the transport is already started');
    this.#context = context;
    this.#hub = new ConnectionHub(context);
  }

  /** Opens a fake connection, as `user` or anonymously. */
  connect(options: { user?: Identity } = {}): MemoryClient {
    const hub = this.#hub;
    const context = this.#context;
    if (hub === undefined || context === undefined) throw new Error('start the transport (app.listen) before connecting clients');
    const client = new MemoryClient(hub, options.user, () => this.#clients.delete(client));
    this.#clients.add(client);
    return client;
  }

  /** Tells every client `session.draining`, waits for running commands (up to the deadline), then closes. */
  async drain(options: DrainOptions = {}): Promise<boolean> {
    const finished = (await this.#hub?.drain(options.deadlineMs ?? DEFAULT_DRAIN_DEADLINE_MS)) ?? true;
    await this.close();
    return finished;
  }

  async close(): Promise<void> {
    this.#hub?.close();
    for (const client of this.#clients) client.close();
  }
}
