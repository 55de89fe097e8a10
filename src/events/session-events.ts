import type { Identity } from '../commands/identity.js';
import { typed } from '../commands/typed.js';
import { defineEvent } from './define-event.js';

/**
 * Sent to every new connection first: its id, and who it is.
 *
 * @example
 * client.on(SessionConnected, ({ connectionId }) => console.log('I am', connectionId));
 */
export const SessionConnected = defineEvent('session.connected', typed<{ connectionId: string; user: Identity | null }>());
