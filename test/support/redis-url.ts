import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A Redis for tests: its URL, and how to stop it (a no-op for one given by `REDIS_URL`). */
export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Finds a Redis for tests: `REDIS_URL` if set; else a private `redis-server`
 * on a free port, without persistence; else a one-line reason to skip. With
 * `REQUIRE_SERVICES=1` a missing Redis is an error, never a skip.
 *
 * @example
 * const redis = await testRedis();
 * describe('carts in Redis', { skip: typeof redis === 'string' && redis }, () => { ... });
 */
export async function testRedis(): Promise<TestRedis | string> {
  const given = process.env['REDIS_URL'];
  if (given) return { url: given, stop: async () => {} };
  if (spawnSync('redis-server', ['--version']).error !== undefined) {
    const reason = 'skipped: Redis tests need REDIS_URL or a redis-server binary on PATH, and neither is there';
    if (process.env['REQUIRE_SERVICES'] === '1') throw new Error(`REQUIRE_SERVICES=1 but Redis is unavailable (${reason})`);
    return reason;
  }
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await ready(child, 10_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => stop(child),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function ready(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`redis-server did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill();
      reject(error);
    };
    const exited = (code: number | null): void => fail(new Error(`redis-server exited with ${code}:\n${output}`));
    child.once('exit', exited);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.off('exit', exited);
        resolve();
      }
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
