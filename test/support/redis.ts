import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';

/** A Redis a test may use, or the reason it cannot have one. */
export type RedisAvailability = { readonly url: string; readonly server: RedisServer | undefined; readonly skip?: undefined } | { readonly skip: string };

const required = process.env['REQUIRE_SERVICES'] === '1';

/**
 * Gives a test file a Redis: `REDIS_URL` when set (unless `dedicated`), else
 * a private `redis-server` on a free port, stopped after the file's tests. Without
 * either it returns a skip reason, printed once by the test runner; with
 * `REQUIRE_SERVICES=1` it throws instead, so CI cannot pass by skipping.
 *
 * @example
 * const redis = await useRedis();
 * describe('cross-node rooms', { skip: redis.skip }, () => { ... });
 */
export async function useRedis(options: { dedicated?: boolean } = {}): Promise<RedisAvailability> {
  const shared = process.env['REDIS_URL'];
  if (!options.dedicated && shared !== undefined && shared !== '') return { url: shared, server: undefined };
  if (!hasRedisServer()) {
    const reason = options.dedicated
      ? 'needs its own redis-server (it stops and restarts Redis), and no redis-server binary is on PATH'
      : 'needs Redis: REDIS_URL is not set and no redis-server binary is on PATH';
    if (required) throw new Error(`REQUIRE_SERVICES=1 but this test ${reason}`);
    return { skip: reason };
  }
  const server = await RedisServer.start();
  after(() => server.stop());
  return { url: server.url, server };
}

/** A key prefix no other test (or earlier run) uses, so tests can share one Redis. */
export function uniquePrefix(name: string): string {
  return `test:${name}:${randomBytes(4).toString('hex')}:`;
}

function hasRedisServer(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** A private `redis-server` process, without persistence, on 127.0.0.1. */
export class RedisServer {
  readonly port: number;
  #child: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the process (again) on the same port; resolves once it accepts connections. */
  async restart(): Promise<void> {
    if (this.#child !== undefined) throw new Error('redis-server is already running');
    this.#child = await spawnRedisServer(['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  }

  /** Whether the process is running (paused or not). */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Freezes the process (SIGSTOP): connections stay open and commands wait, as in a long stall; time goes on, so keys expire. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  /** Lets a paused process go on (SIGCONT); harmless on one that is not paused. */
  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** Stops the process abruptly (SIGKILL, as a crash would); resolves once it has exited. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Starts `redis-server` with these arguments; resolves with the process once it accepts connections (within 10 s). */
export async function spawnRedisServer(args: readonly string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = args[args.indexOf('--port') + 1];
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start on port ${port}: ${output}`));
    }, 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output}`));
    });
  });
  child.stdout?.resume();
  return child;
}

