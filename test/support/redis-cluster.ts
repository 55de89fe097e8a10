import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { Redis } from 'ioredis';
import { freePort, spawnRedisServer } from './redis.js';

const required = process.env['REQUIRE_SERVICES'] === '1';

/** A Redis Cluster a test may use, or the reason it cannot have one. */
export type RedisClusterAvailability = { readonly cluster: RedisCluster; readonly skip?: undefined } | { readonly skip: string };

/**
 * Gives a test file its own Redis Cluster on 127.0.0.1: `masters` masters,
 * each with `replicasPerMaster` replicas, stopped (and its files removed)
 * after the file's tests. Without the `redis-server` and `redis-cli`
 * binaries it returns a skip reason; with `REQUIRE_SERVICES=1` it throws.
 *
 * @example
 * const redis = await useRedisCluster({ masters: 3 });
 * describe('on a cluster', { skip: redis.skip }, () => { ... });
 */
export async function useRedisCluster(options: { masters?: number; replicasPerMaster?: number } = {}): Promise<RedisClusterAvailability> {
  if (!hasBinary('redis-server') || !hasBinary('redis-cli')) {
    const reason = 'needs a Redis Cluster of its own, and no redis-server or redis-cli binary is on PATH';
    if (required) throw new Error(`REQUIRE_SERVICES=1 but this test ${reason}`);
    return { skip: reason };
  }
  const cluster = await RedisCluster.start(options.masters ?? 3, options.replicasPerMaster ?? 0);
  after(() => cluster.stop());
  return { cluster };
}

function hasBinary(name: string): boolean {
  const probe = spawnSync(name, ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** A Redis Cluster of private `redis-server` processes, without persistence. */
export class RedisCluster {
  readonly ports: readonly number[];
  readonly #directory: string;
  readonly #children = new Map<number, ChildProcess>();

  private constructor(ports: number[], directory: string) {
    this.ports = ports;
    this.#directory = directory;
  }

  static async start(masters: number, replicasPerMaster: number): Promise<RedisCluster> {
    const count = masters * (1 + replicasPerMaster);
    const ports: number[] = [];
    while (ports.length < count) {
      const port = await freePort();
      // Each node also listens on its port + 10000, for the cluster bus.
      if (port + 10_000 <= 65_535 && !ports.includes(port) && (await isFree(port + 10_000))) ports.push(port);
    }
    const cluster = new RedisCluster(ports, mkdtempSync(join(tmpdir(), 'redis-cluster-')));
    try {
      await Promise.all(ports.map((port) => cluster.#startServer(port)));
      const create = spawnSync(
        'redis-cli',
        ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'],
        { encoding: 'utf8', timeout: 30_000 },
      );
      if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
      await cluster.untilHealthy(masters);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The cluster as a Switchyard URL. */
  get url(): string {
    return `redis+cluster://${this.ports.map((port) => `127.0.0.1:${port}`).join(',')}`;
  }

  /** The startup nodes, as ioredis's `Cluster` takes them. */
  get nodes(): { host: string; port: number }[] {
    return this.ports.filter((port) => this.#children.has(port)).map((port) => ({ host: '127.0.0.1', port }));
  }

  /** Resolves once every running node reports `cluster_state:ok` and `masters` running masters own the slots. */
  async untilHealthy(masters: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const healthy = await this.#healthy(masters).catch(() => false);
      if (healthy) return;
      if (Date.now() > deadline) throw new Error(`the Redis Cluster did not become healthy within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The port of the master serving `slot`. */
  async masterOf(slot: number): Promise<number> {
    const redis = new Redis({ port: this.nodes[0]!.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      const slots = (await redis.cluster('SLOTS')) as unknown as Array<[number, number, [string, number]]>;
      const range = slots.find(([start, end]) => slot >= start && slot <= end);
      if (range === undefined) throw new Error(`no master serves slot ${slot}`);
      return range[2][1];
    } finally {
      redis.disconnect();
    }
  }

  /** Kills one node abruptly (SIGKILL, as a crash would); resolves once it has exited. */
  async kill(port: number): Promise<void> {
    const child = this.#children.get(port);
    if (child === undefined) return;
    this.#children.delete(port);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills every node and removes their files. */
  async stop(): Promise<void> {
    await Promise.all([...this.#children.keys()].map((port) => this.kill(port)));
    rmSync(this.#directory, { recursive: true, force: true });
  }

  async #healthy(masters: number): Promise<boolean> {
    for (const { port } of this.nodes) {
      const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
      try {
        await redis.connect();
        const info = String(await redis.cluster('INFO'));
        if (!info.includes('cluster_state:ok')) return false;
        const slots = (await redis.cluster('SLOTS')) as unknown[];
        const owners = new Set(slots.map((range) => (range as [number, number, [string, number]])[2][1]));
        // A killed master still owns its slots until a replica is promoted in its place.
        if (owners.size !== masters || [...owners].some((owner) => !this.#children.has(owner))) return false;
      } finally {
        redis.disconnect();
      }
    }
    return true;
  }

  async #startServer(port: number): Promise<void> {
    const child = await spawnRedisServer([
      '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(this.#directory, `nodes-${port}.conf`),
      '--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0', '--dir', this.#directory, '--save', '', '--appendonly', 'no', '--daemonize', 'no',
    ]);
    this.#children.set(port, child);
  }
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch {
    return false;
  }
  server.close();
  await once(server, 'close');
  return true;
}
