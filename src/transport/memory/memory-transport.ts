import type { Identity } from '../../protocol/identity.js';
import { SetupError, SetupErrorCode } from '../../protocol/errors.js';
import type { TokenVerifier } from '../../commands/session.js';
import { ConnectionHub } from '../../session/connection-hub.js';
import { DEFAULT_DRAIN_DEADLINE_MS, type DrainOptions, type Transport, type TransportContext } from '../transport.js';
import { MemoryClient } from './memory-client.js';

/** Options of the {@link MemoryTransport}. */
export interface MemoryTransportOptions {
  /**
   * Verifies tokens for the built-in `session.reauth`, as a WebSocket
   * endpoint's `jwtAuthenticator` does. Without it, `session.reauth`
   * answers `UNKNOWN_COMMAND`.
   * @default undefined
   */
  verifyToken?: TokenVerifier;
}

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
  readonly name = 'memory';
  readonly #verifyToken: TokenVerifier | undefined;
  #hub: ConnectionHub | undefined;
  #closed = false;
  readonly #clients = new Set<MemoryClient>();

  constructor(options: MemoryTransportOptions = {}) {
    const verifyToken = options.verifyToken;
    if (verifyToken !== undefined && typeof verifyToken !== 'function') throw new TypeError('"verifyToken" must be a function');
    this.#verifyToken = verifyToken;
  }

  async start(context: TransportContext): Promise<void> {
    if (this.#closed) throw new SetupError(SetupErrorCode.CLOSED, 'the transport is closed');
    if (this.#hub !== undefined) throw new SetupError(SetupErrorCode.ALREADY_STARTED, 'the transport is already started');
    this.#hub = new ConnectionHub(context);
  }

  /** Opens a fake connection, as `user` or anonymously. */
  connect(options: { user?: Identity } = {}): MemoryClient {
    const hub = this.#hub;
    if (hub === undefined) throw new SetupError(SetupErrorCode.NOT_STARTED, 'start the transport (app.listen) before connecting clients');
    if (this.#closed) throw new SetupError(SetupErrorCode.CLOSED, 'the transport is closed');
    const client = new MemoryClient(hub, options.user, () => this.#clients.delete(client), this.#verifyToken);
    this.#clients.add(client);
    return client;
  }

  /** Tells every client `session.draining`, waits for running commands (up to the deadline), then closes. */
  async drain(options: DrainOptions = {}): Promise<boolean> {
    const finished = this.#closed ? true : ((await this.#hub?.drain(options.deadlineMs ?? DEFAULT_DRAIN_DEADLINE_MS)) ?? true);
    await this.close();
    return finished;
  }

  /** Closes every client with 1001. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#hub?.close();
    for (const client of this.#clients) client.close();
  }
}
