/**
 * Tells every node that a session was resumed elsewhere, so the node that
 * still holds its old connection (a half-open TCP socket) closes it. One
 * node needs none: its own connections are at hand.
 */
export interface TakeoverChannel {
  /** Announces that session `sessionId` now lives on another connection. */
  announce(sessionId: string): void;
  /** Calls `listener` for every session resumed on another node. Returns what stops it. */
  listen(listener: (sessionId: string) => void): () => void;
}
