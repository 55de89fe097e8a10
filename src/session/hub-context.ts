import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import type { CommandBus } from '../commands/command-bus.js';
import type { EventEnvelope } from '../events/event-envelope.js';
import type { ClosedSession } from './closed-session.js';
import type { Presence } from '../events/presence.js';
import type { Codec } from '../protocol/codec.js';
import type { ResolvedHubOptions } from './hub-options.js';
import type { TransportTelemetry } from '../observability/telemetry.js';
import type { HubRecovery } from './recovery/hub-recovery.js';
import type { InterestHooks } from './local-interest.js';
import type { RoomGate } from './rooms/room-gate.js';
import type { ServerRequests } from './requests/server-requests.js';

/** What a connection hub needs from the application: the bus, the event stream, presence, the codec, the limits. */
export interface HubContext {
  readonly bus: CommandBus;
  /** Events this node must deliver to its local connections. */
  readonly deliveries: Observable<EventEnvelope>;
  readonly presence: Presence;
  readonly codec: Codec;
  readonly logger: Logger;
  /** Reports a failure that must not tear anything down (a failed delivery, say). */
  readonly reportError: (error: unknown) => void;
  /** Tells the application a connection has closed and left its rooms. */
  readonly sessionClosed?: (session: ClosedSession) => void;
  /** Per-connection limits every transport enforces. @default resolveHubOptions() */
  readonly limits?: ResolvedHubOptions;
  /** Longest an identity lasts after it was established, in ms, or `false` for no bound. @default DEFAULT_MAX_SESSION_LIFETIME_MS (24 h) */
  readonly maxSessionLifetimeMs?: number | false;
  /** The transport's name, as telemetry labels it (`websocket`, `memory`). @default undefined */
  readonly transport?: string;
  /** Applies the application's room policies to joins and leaves of the rooms that have one. @default no policies */
  readonly rooms?: RoomGate;
  /** Carries requests from handlers to clients (`ctx.ask`) and their answers back. @default requests are refused with `UNAVAILABLE` */
  readonly requests?: ServerRequests;
  /** Told of connections, refused frames, deliveries and backpressure. @default nothing is told */
  readonly telemetry?: TransportTelemetry;
  /** Sessions that survive a reconnect (protocol v1.1), when the application has recovery on. @default off */
  readonly recovery?: HubRecovery;
  /** The backplane's interest hooks, when it routes by interest: told which rooms, users and connections this hub serves. @default undefined */
  readonly interest?: InterestHooks;
}
