import { defineCommand } from './define-command.js';
import type { Identity } from './identity.js';
import { typed } from './typed.js';

/**
 * Refreshes the connection's token in place, with no reconnect. The new
 * identity takes effect on the next command, and its `exp` replaces the old
 * deadline. A token for another user is `FORBIDDEN`; a bad one `UNAUTHORIZED`.
 *
 * @example
 * const { expiresAt } = await client.request(SessionReauth, { token: fresh });
 */
export const SessionReauth = defineCommand('session.reauth', {
  payload: typed<{ token: string }>(),
  result: typed<{ user: Identity; expiresAt: number | null }>(),
});
