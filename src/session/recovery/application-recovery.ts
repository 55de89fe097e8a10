import type { Backplane } from '../../events/backplane.js';
import type { Presence } from '../../events/presence.js';
import type { CommandBus } from '../../commands/command-bus.js';
import { SessionResume } from '../../protocol/session-resume.js';
import { memoryRecoveryStore } from '../../events/recovery/memory-recovery-store.js';
import type { RecoveryStore } from '../../events/recovery/recovery-store.js';
import { resolveRecoveryOptions, type RecoveryOptions } from './recovery-options.js';
import { SessionRecovery } from './session-recovery.js';

/** An application's recovery, once set up: the hooks the hubs call, and the backplane that records events. */
export interface ApplicationRecovery {
  readonly sessions: SessionRecovery;
  readonly store: RecoveryStore;
  /** The application's backplane, wrapped so recorded events get their positions. */
  readonly backplane: Backplane;
  close(): Promise<void>;
}

/**
 * Turns recovery on for an application: builds its store, wraps the
 * backplane so recorded events get positions, and serves `session.resume` as a built-in.
 */
export function setUpRecovery(
  options: RecoveryOptions | true,
  deps: { readonly bus: CommandBus; readonly backplane: Backplane; readonly presence: Presence; readonly reportError: (error: unknown) => void; readonly resumed?: (recovered: boolean, replayed: number) => void },
): ApplicationRecovery {
  const settings = options === true ? {} : options;
  const resolved = resolveRecoveryOptions(settings);
  const store = (settings.store ?? memoryRecoveryStore)(resolved);
  const backplane = store.history.wrap(deps.backplane);
  const sessions = new SessionRecovery({ store, options: resolved, presence: deps.presence, reportError: deps.reportError, resumed: deps.resumed });
  deps.bus.registerBuiltin(SessionResume, (payload, _ctx, session) => sessions.resume(payload, session), { servesSession: (session) => sessions.serves(session) });
  let closing: Promise<void> | undefined;
  return Object.freeze({
    sessions,
    store,
    backplane,
    close: () =>
      (closing ??= (async () => {
        sessions.close();
        await store.close();
      })()),
  });
}
