import { Child } from './lib/ipc.js';
import { median, sleep } from './lib/stats.js';
import type { System } from './load/bench-client.js';
import type { ServerStats } from './servers/server-kit.js';

export interface Settings {
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly idleConnections: number;
  readonly fanoutMembers: readonly number[];
  readonly fanoutPublishes: number;
  readonly soakConnections: number;
  readonly soakSeconds: number;
  readonly heartbeatMs: number;
  readonly profile: boolean;
}

export type Metrics = Record<string, number | boolean | string>;

const serverModules: Record<System, URL> = {
  'raw-echo': new URL('./servers/raw-echo.js', import.meta.url),
  'raw-dispatch': new URL('./servers/raw-dispatch.js', import.meta.url),
  'socket-io': new URL('./servers/socket-io.js', import.meta.url),
  switchyard: new URL('./servers/switchyard.js', import.meta.url),
};
const generatorModule = new URL('./load/generator.js', import.meta.url);
const profileDir = new URL('./profiles/', new URL('../../bench/', import.meta.url)).pathname;

export async function startServer(system: System, settings: Settings, args: string[] = []): Promise<{ server: Child; port: number }> {
  const execArgv = ['--expose-gc'];
  if (settings.profile && system === 'switchyard') execArgv.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  const server = new Child(serverModules[system], args, execArgv);
  const ready = await server.ready;
  return { server, port: ready['port'] as number };
}

export async function startGenerator(): Promise<Child> {
  const generator = new Child(generatorModule);
  await generator.ready;
  return generator;
}

export async function stopAll(...children: Child[]): Promise<void> {
  await Promise.all(children.map((child) => child.stop()));
}

interface Window {
  completed: number;
  ms: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Request/reply under a closed loop: `connections` clients, each with `inFlight` commands outstanding. */
export async function requestReply(system: System, settings: Settings, connections: number, inFlight: number, serverArgs: string[] = []): Promise<Metrics> {
  const { server, port } = await startServer(system, settings, serverArgs);
  const generator = await startGenerator();
  try {
    await generator.call('connect', { system, port, count: connections });
    await generator.call('startLoad', { inFlight });
    await sleep(settings.warmupMs);
    const [before] = await Promise.all([server.call<ServerStats>('stats'), generator.call<Window>('mark')]);
    await sleep(settings.durationMs);
    const [after, window] = await Promise.all([server.call<ServerStats>('stats'), generator.call<Window>('mark')]);
    await generator.call('stopLoad');
    const cpuMicros = after.cpuMicros - before.cpuMicros;
    return {
      requests: window.completed,
      throughput: window.completed / (window.ms / 1000),
      cpuPerRequestUs: cpuMicros / window.completed,
      serverCpuPercent: (cpuMicros / ((after.wallMs - before.wallMs) * 1000)) * 100,
      p50Us: window.p50,
      p99Us: window.p99,
      maxUs: window.max,
    };
  } finally {
    await stopAll(generator, server);
  }
}

/** One publish to a room of `members`: time until the last member has the event. */
export async function fanout(system: System, settings: Settings, members: number): Promise<Metrics> {
  const { server, port } = await startServer(system, settings);
  const generator = await startGenerator();
  try {
    await generator.call('connect', { system, port, count: members + 1 });
    await generator.call('join', { room: 'bench', members });
    const before = await server.call<ServerStats>('stats');
    const times = await generator.call<number[]>('fanout', { room: 'bench', members, publishes: settings.fanoutPublishes });
    const after = await server.call<ServerStats>('stats');
    return {
      members,
      lastDeliveryMs: median(times),
      bestMs: Math.min(...times),
      serverCpuPerPublishMs: (after.cpuMicros - before.cpuMicros) / 1000 / times.length,
    };
  } finally {
    await stopAll(generator, server);
  }
}

/** Server memory growth per idle connection, after a full GC on both sides of the measurement. */
export async function idleMemory(system: System, settings: Settings): Promise<Metrics> {
  const { server, port } = await startServer(system, settings);
  const generator = await startGenerator();
  try {
    await server.call('gc');
    const before = await server.call<ServerStats>('stats');
    await generator.call('connect', { system, port, count: settings.idleConnections });
    await sleep(1000);
    await server.call('gc');
    const after = await server.call<ServerStats>('stats');
    if (after.connections !== settings.idleConnections) throw new Error(`${system}: ${after.connections} of ${settings.idleConnections} connections open`);
    return {
      connections: settings.idleConnections,
      rssPerConnection: (after.rss - before.rss) / settings.idleConnections,
      heapPerConnection: (after.heapUsed - before.heapUsed) / settings.idleConnections,
    };
  } finally {
    await stopAll(generator, server);
  }
}

/** The largest number of sockets one process may hold here, from its soft `RLIMIT_NOFILE`. */
export async function openFileLimit(): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const limits = await readFile('/proc/self/limits', 'utf8').catch(() => '');
  const line = limits.split('\n').find((row) => row.startsWith('Max open files'));
  const soft = line === undefined ? Number.NaN : Number(line.split(/\s{2,}/)[1]);
  return Number.isFinite(soft) ? soft : Number.POSITIVE_INFINITY;
}

/** Many connections on one server process with heartbeats on, held for a while. */
export async function soak(system: System, settings: Settings, connections: number): Promise<Metrics> {
  const { server, port } = await startServer(system, settings, ['--heartbeat-ms', String(settings.heartbeatMs)]);
  const perGenerator = 5000;
  const generators = await Promise.all(Array.from({ length: Math.ceil(connections / perGenerator) }, startGenerator));
  try {
    const started = performance.now();
    await Promise.all(
      generators.map((generator, i) =>
        generator.call('connect', { system, port, count: Math.min(perGenerator, connections - i * perGenerator), concurrency: 50 }),
      ),
    );
    const connectMs = performance.now() - started;
    const before = await server.call<ServerStats>('stats');
    await sleep(settings.soakSeconds * 1000);
    const after = await server.call<ServerStats>('stats');
    const counters = await Promise.all(generators.map((generator) => generator.call<{ errors: number; closed: number; pings: number; open: number }>('counters')));
    const sum = (key: 'errors' | 'closed' | 'pings' | 'open'): number => counters.reduce((total, row) => total + row[key], 0);
    await server.call('gc');
    const memory = await server.call<ServerStats>('stats');
    const held = after.connections === connections && sum('open') === connections && sum('errors') === 0 && sum('closed') === 0;
    return {
      connections,
      held,
      connectSeconds: connectMs / 1000,
      serverConnections: after.connections,
      serverCpuPercent: ((after.cpuMicros - before.cpuMicros) / ((after.wallMs - before.wallMs) * 1000)) * 100,
      rssMiB: memory.rss / 2 ** 20,
      heapUsedMiB: memory.heapUsed / 2 ** 20,
      errors: sum('errors'),
      closed: sum('closed'),
      pingsPerConnection: sum('pings') / connections,
      heartbeats: sum('pings') > 0,
    };
  } finally {
    await stopAll(...generators, server);
  }
}
