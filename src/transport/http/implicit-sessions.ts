import type { Socket as NetSocket } from 'node:net';
import type { Identity } from '../../protocol/identity.js';
import type { TokenVerifier } from '../../commands/session.js';
import type { Connection } from '../../session/connection.js';
import type { ConnectionHub } from '../../session/connection-hub.js';
import type { Socket } from '../../session/socket.js';

/** An implicit session has no stream: what the hub sends it (its greeting, events) goes nowhere. */
class Unheard implements Socket {
  connection: Connection | undefined;
  readonly #forget: () => void;

  constructor(forget: () => void) {
    this.#forget = forget;
  }

  send(): void {}

  close(): void {
    this.#forget();
    this.connection?.lease?.release();
    this.connection?.closed();
  }
}

/** A session for a command posted without a token, or why there is none. */
export type ImplicitAdmission = { readonly ok: true; readonly connection: Connection } | { readonly ok: false; readonly reason: string; readonly retryAfterMs: number | undefined };

/**
 * The sessions of commands posted without `Switchyard-Session`: one per
 * keep-alive TCP connection and user, opened at its first command and
 * closed with the TCP connection. So a client that posts command after
 * command is limited as a WebSocket is (its rate, its commands in flight,
 * its address's and user's budgets), and pays for opening a session once,
 * not per request. It hears no events; `GET /events` is for that.
 *
 * @example
 * const admission = sessions.acquire(request.socket, user);
 * if (admission.ok) hub.request(admission.connection, decode, respond);
 */
export class ImplicitSessions {
  readonly #hub: ConnectionHub;
  readonly #verifyToken: TokenVerifier | undefined;
  readonly #bySocket = new Map<NetSocket, Map<string, Connection>>();
  readonly #onSocketClose: (this: NetSocket) => void;

  constructor(hub: ConnectionHub, verifyToken: TokenVerifier | undefined) {
    this.#hub = hub;
    this.#verifyToken = verifyToken;
    const sessions = this;
    this.#onSocketClose = function (this: NetSocket) {
      sessions.#closeAll(this);
    };
  }

  /** The session of `user` on this TCP connection, opened if it has none yet. */
  acquire(socket: NetSocket, user: Identity | undefined): ImplicitAdmission {
    const key = user === undefined ? '' : `u:${user.id}`;
    let sessions = this.#bySocket.get(socket);
    const known = sessions?.get(key);
    if (known !== undefined && known.open) return { ok: true, connection: known };
    const budgets = this.#hub.budgets;
    const admission = budgets.admit(socket);
    if (!admission.ok) return admission;
    const identified = budgets.identify(admission.lease, user?.id);
    if (!identified.ok) {
      admission.lease.release();
      return identified;
    }
    if (sessions === undefined) {
      sessions = new Map();
      this.#bySocket.set(socket, sessions);
      socket.once('close', this.#onSocketClose);
    }
    const owned = sessions;
    const unheard = new Unheard(() => {
      if (owned.get(key) === unheard.connection) owned.delete(key);
    });
    const connection = (unheard.connection = this.#hub.open(unheard, user, this.#verifyToken));
    connection.lease = admission.lease;
    owned.set(key, connection);
    return { ok: true, connection };
  }

  #closeAll(socket: NetSocket): void {
    const sessions = this.#bySocket.get(socket);
    this.#bySocket.delete(socket);
    if (sessions === undefined) return;
    for (const connection of [...sessions.values()]) connection.close(1000, 'connection closed');
  }
}
