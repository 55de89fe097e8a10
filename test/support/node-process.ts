import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const fixture = fileURLToPath(new URL('../fixtures/redis-node.js', import.meta.url));

/** What a node process reports on stdout. */
export type NodeReport = { port: number; nodeId: string } | { redis: 'up' | 'down' };

/**
 * A Switchyard node running in its own process (the compiled
 * `test/fixtures/redis-node.js`), with what it reported and logged.
 *
 * @example
 * const node = await NodeProcess.start({ REDIS_URL: url, KEY_PREFIX: prefix });
 * const client = await WsTestClient.connect(node.port, 'alice');
 * await node.stop();
 */
export class NodeProcess {
  port = 0;
  nodeId = '';
  readonly reports: NodeReport[] = [];
  /** Every line the node logged (pino JSON on stderr). */
  readonly logs: string[] = [];
  readonly #child: ChildProcess;
  readonly #waiters = new Set<() => void>();

  private constructor(child: ChildProcess) {
    this.#child = child;
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.logs.push(line);
      this.#notify();
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const report = JSON.parse(line) as NodeReport;
      this.reports.push(report);
      if ('port' in report) {
        this.port = report.port;
        this.nodeId = report.nodeId;
      }
      this.#notify();
    });
  }

  static async start(env: Record<string, string>, timeoutMs = 15_000): Promise<NodeProcess> {
    const child = spawn(process.execPath, [fixture], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const node = new NodeProcess(child);
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`node exited with ${String(code)} before it was ready: ${node.logs.join('\n')}`);
    });
    try {
      await Promise.race([node.until((n) => n.port !== 0, 'start-up', timeoutMs), exited]);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    exited.catch(() => undefined);
    return node;
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Resolves once `predicate` holds over what the node reported and logged; rejects after `timeoutMs`. */
  async until(predicate: (node: NodeProcess) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (predicate(this)) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!predicate(this)) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`node ${this.nodeId}: ${what} did not happen within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** The last Redis status the node reported. */
  get redisStatus(): 'up' | 'down' | undefined {
    for (let index = this.reports.length - 1; index >= 0; index -= 1) {
      const report = this.reports[index]!;
      if ('redis' in report) return report.redis;
    }
    return undefined;
  }

  /** Kills the process abruptly: no cleanup runs. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = once(this.#child, 'exit');
    this.#child.kill('SIGKILL');
    await exited;
  }

  /** Asks the node to shut down cleanly; kills it if it takes longer than `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (!this.alive) return;
    const exited = once(this.#child, 'exit');
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
