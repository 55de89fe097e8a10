import { fork, type ChildProcess } from 'node:child_process';

interface Request {
  readonly id: number;
  readonly cmd: string;
  readonly args: unknown;
}

interface Response {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

type Handlers = Record<string, (args: never) => unknown>;

/** Answers the parent's requests over the IPC channel, then says it is ready. */
export function serveParent(handlers: Handlers, ready: Record<string, unknown> = {}): void {
  process.on('message', (message: Request) => {
    const handler = handlers[message.cmd] as ((args: unknown) => unknown) | undefined;
    Promise.resolve()
      .then(() => {
        if (handler === undefined) throw new Error(`unknown command "${message.cmd}"`);
        return handler(message.args);
      })
      .then(
        (result) => process.send?.({ id: message.id, ok: true, result } satisfies Response),
        (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Response),
      );
  });
  process.send?.({ id: 0, ok: true, result: ready } satisfies Response);
}

/** A forked bench process the runner drives by request and response. */
export class Child {
  readonly process: ChildProcess;
  readonly ready: Promise<Record<string, unknown>>;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #sequence = 0;
  #exited = false;

  constructor(modulePath: URL, args: readonly string[] = [], execArgv: readonly string[] = []) {
    this.process = fork(modulePath, args, { execArgv: [...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let markReady: (value: Record<string, unknown>) => void = () => {};
    let failReady: (error: Error) => void = () => {};
    this.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    this.process.on('message', (message: Response) => {
      if (message.id === 0) return void markReady(message.result as Record<string, unknown>);
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.ok) pending.resolve(message.result);
      else pending.reject(new Error(message.error));
    });
    this.process.on('exit', (code, signal) => {
      this.#exited = true;
      const error = new Error(`${modulePath.pathname.split('/').pop()} exited (${signal ?? code})`);
      failReady(error);
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    });
  }

  call<T>(cmd: string, args: unknown = {}): Promise<T> {
    if (this.#exited) return Promise.reject(new Error(`process exited before "${cmd}"`));
    const id = ++this.#sequence;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.process.send({ id, cmd, args } satisfies Request);
    });
  }

  /** Stops the process (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
