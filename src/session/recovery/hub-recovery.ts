import type { ResumeGrant } from '../../protocol/session-resume.js';
import type { CommandBus } from '../../commands/command-bus.js';
import type { InboundCommand } from '../../commands/inbound-command.js';
import type { Reply } from '../../protocol/frames.js';
import type { Connection } from '../connection.js';
import type { ConnectionHub } from '../connection-hub.js';

/**
 * What a connection hub tells recovery, when the application has it on:
 * each change of a session that a resume must restore. The hub calls these
 * and nothing else; recovery does the rest.
 */
export interface HubRecovery {
  /** A connection opened: returns its resume grant for `session.connected`. */
  opened(connection: Connection, hub: ConnectionHub): ResumeGrant;
  /** Before a connection joins a room: notes where the room's stream stands (a promise when the history must be asked). */
  beforeJoin(connection: Connection, room: string): void | Promise<void>;
  joined(connection: Connection, room: string): void;
  left(connection: Connection, room: string): void;
  identified(connection: Connection): void;
  /** The connection closed: its session can be resumed for `ttlMs`. Returns whether the session already goes on, resumed on another connection. */
  closed(connection: Connection): boolean;
  /** Dispatches a command once per id and session: a retry gets the first run's reply; synchronously when the command and the cache allow. */
  dispatch(bus: CommandBus, inbound: InboundCommand): Reply | undefined | Promise<Reply | undefined>;
}
