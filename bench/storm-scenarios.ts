import type { System } from './load/bench-client.js';
import type { StormOutcome } from './load/storm-client.js';
import { startGenerator, startServer, stopAll, type Metrics, type Settings } from './scenarios.js';
import type { ServerStats } from './servers/server-kit.js';

/** The HS256 secret of the JWT storm: the Switchyard server verifies with it, the load generator signs with it. */
const STORM_SECRET = 'bench-storm-secret-of-at-least-32-bytes!';

/**
 * A connection storm: `count` clients open their connections at once, and
 * the time runs until the last has been greeted (Switchyard's
 * `session.connected`, raw `ws`'s one greeting frame, Socket.IO's CONNECT
 * reply). With `jwt`, each upgrade carries its own HS256 token in the
 * Authorization header and Switchyard verifies it (`jwtAuthenticator`).
 */
export async function connectionStorm(system: System, settings: Settings, count: number, jwt: boolean): Promise<Metrics> {
  const { server, port } = await startServer(system, settings, jwt ? ['--jwt-secret', STORM_SECRET] : []);
  const generator = await startGenerator();
  try {
    const before = await server.call<ServerStats>('stats');
    const outcome = await generator.call<StormOutcome>('storm', { system, port, count, ...(jwt ? { jwtSecret: STORM_SECRET } : {}) });
    const after = await server.call<ServerStats>('stats');
    // On a loaded machine a few handshakes may be lost to the kernel's accept queue; more than 1 % fails the trial.
    const why = Object.entries(outcome.reasons).map(([reason, n]) => `${reason} x${n}`).join(', ');
    if (outcome.failed > count / 100) throw new Error(`${system}: ${outcome.failed} of ${count} connections failed (${why})`);
    return {
      connections: count,
      failed: outcome.failed,
      ...(why === '' ? {} : { failures: why }),
      stormMs: outcome.ms,
      serverCpuPerConnectionUs: (after.cpuMicros - before.cpuMicros) / count,
    };
  } finally {
    await stopAll(generator, server);
  }
}
