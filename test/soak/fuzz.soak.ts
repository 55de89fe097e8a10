/**
 * The fuzz soak: 200,000 fuzzed frames over real sockets to a server in its
 * own process (so a crash is an exit, not a lost test), from several
 * connections at once, in batches. Every batch is checked against the oracle
 * (test/support/fuzz-model.ts): each frame gets exactly what it is owed, each
 * id exactly one reply, and nothing else arrives. A bystander keeps being
 * answered all along; afterwards the server still answers and shuts down
 * cleanly. `npm test` runs the short version (test/fuzz.test.ts).
 *
 * FUZZ_SEED=<n> replays a run.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import WebSocket from 'ws';
import { anyFrame, commandArbitrary, commandText, compareReplies, expectedReply, signatureOf, type ReplyFrame } from '../support/fuzz-model.js';
import { within } from '../support/socket-harness.js';

const FRAMES = 200_000;
const CONNECTIONS = 8;
const BATCH = 50;
/** Frames past the transport's maxPayload (64 KiB) close the socket with 1009: the protocol soak covers that. */
const MAX_FRAME_BYTES = 60_000;
const SEED = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

const fixture = fileURLToPath(new URL('../fixtures/fuzz-server.js', import.meta.url));

/** One batch to send: fuzzed commands (given an id when sent) and frames of any kind. */
const batchArbitrary = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: commandArbitrary.map((command) => ({ command })) },
    { weight: 2, arbitrary: anyFrame },
  ),
  { minLength: BATCH, maxLength: BATCH },
);

type Memory = { heapUsed: number; arrayBuffers: number };

/** The fuzz server's process, what it printed, and how it ended. */
class ServerProcess {
  port = 0;
  readonly reportedErrors: string[] = [];
  #memory: ((memory: Memory) => void) | undefined;
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
    createInterface({ input: child.stderr! }).on('line', (line) => this.stderr.push(line));
  }

  static async start(): Promise<ServerProcess> {
    const child = spawn(process.execPath, [fixture], { stdio: ['pipe', 'pipe', 'pipe'] });
    const server = new ServerProcess(child);
    const ready = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const report = JSON.parse(line) as { port?: number; reportedError?: string; memory?: Memory };
        if (report.reportedError !== undefined) server.reportedErrors.push(report.reportedError);
        if (report.memory !== undefined) server.#memory?.(report.memory);
        if (report.port !== undefined) {
          server.port = report.port;
          resolve();
        }
      });
    });
    const died = server.exited.then(({ code }) => {
      throw new Error(`the fuzz server exited with ${String(code)} before it was ready: ${server.stderr.join('\n')}`);
    });
    await within(Promise.race([ready, died]), 15_000, 'the fuzz server to start');
    died.catch(() => undefined);
    return server;
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** The server's heap after full collections. */
  memory(): Promise<Memory> {
    const reported = new Promise<Memory>((resolve) => (this.#memory = resolve));
    this.#child.stdin!.write('memory\n');
    return within(reported, 10_000, "the server's memory figures");
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.#child.kill(signal);
  }
}

/** A raw client that keeps only the replies of the batch under way. */
class Fuzzer {
  readonly ws: WebSocket;
  replies: ReplyFrame[] = [];
  #need = 0;
  #wake: (() => void) | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as ReplyFrame;
      if (frame.kind === 'event') return;
      this.replies.push(frame);
      if (this.replies.length >= this.#need) this.#wake?.();
    });
  }

  static async connect(url: string): Promise<Fuzzer> {
    const ws = new WebSocket(url);
    const fuzzer = new Fuzzer(ws);
    await within(once(ws, 'open'), 5000, 'a fuzzer to connect');
    return fuzzer;
  }

  /** Resolves once `count` replies of this batch have arrived. */
  async received(count: number, what: string): Promise<void> {
    if (this.replies.length >= count) return;
    this.#need = count;
    await within(new Promise<void>((resolve) => (this.#wake = resolve)), 15_000, what);
  }
}

test(`fuzz soak: ${FRAMES} fuzzed frames over real sockets, every one answered as owed, no crash`, { timeout: 600_000 }, async (t) => {
  const server = await ServerProcess.start();
  const url = `ws://127.0.0.1:${server.port}/ws`;
  const started = Date.now();
  let sent = 0;
  let withId = 0;
  let replies = 0;
  let skipped = 0;
  let slowestBystanderMs = 0;
  const clients: Fuzzer[] = [];
  try {
    const before = await server.memory();
    const fuzzers = await Promise.all(Array.from({ length: CONNECTIONS }, () => Fuzzer.connect(url)));
    const bystander = await Fuzzer.connect(url);
    clients.push(...fuzzers, bystander);
    let batches = 0;
    let asking = false;

    await Promise.all(
      fuzzers.map(async (fuzzer, k) => {
        for (let b = 0; sent < FRAMES; b++) {
          const batchSeed = (SEED + k * 1_000_003 + b) | 0;
          const [batch] = fc.sample(batchArbitrary, { numRuns: 1, seed: batchSeed });
          const owed: string[] = [];
          const texts: Array<{ data: string | Uint8Array; isBinary: boolean }> = [];
          for (const [n, item] of batch!.entries()) {
            const frame = 'command' in item ? { data: commandText(item.command, `\u0192${k}.${b}.${n}`), isBinary: false } : item;
            if (Buffer.byteLength(frame.data) > MAX_FRAME_BYTES) {
              skipped++;
              continue;
            }
            if ('command' in item) withId++;
            const expected = expectedReply(frame.data, frame.isBinary);
            if (expected.reply) owed.push(signatureOf(expected));
            texts.push(frame);
          }
          const barrier = `barrier.${k}.${b}`;
          owed.push(signatureOf({ reply: true, id: barrier, kind: 'result', payload: null }));
          fuzzer.replies = [];
          for (const { data, isBinary } of texts) fuzzer.ws.send(data, { binary: isBinary });
          fuzzer.ws.send(JSON.stringify({ type: 'echo', id: barrier }));
          sent += texts.length;
          await fuzzer.received(owed.length, `batch ${b} of fuzzer ${k} (seed ${batchSeed}) to be answered`);
          // Anything late or doubled shows up as an extra in this comparison or the next batch's.
          const diff = compareReplies(owed, fuzzer.replies.map(signatureOf));
          replies += fuzzer.replies.length;
          assert.deepEqual(diff, { missing: [], extra: [] }, `batch ${b} of fuzzer ${k} (replay with FUZZ_SEED=${SEED}; batch seed ${batchSeed}): ${JSON.stringify(texts.map((text) => String(text.data)).slice(0, BATCH))}`);
          if (++batches % 200 === 0 && !asking) {
            asking = true;
            const mark = batches;
            const asked = Date.now();
            bystander.replies = [];
            bystander.ws.send(JSON.stringify({ type: 'echo', id: `still-${mark}`, payload: mark }));
            await bystander.received(1, 'the bystander to be answered during the fuzz');
            slowestBystanderMs = Math.max(slowestBystanderMs, Date.now() - asked);
            assert.deepEqual(bystander.replies, [{ kind: 'result', id: `still-${mark}`, payload: mark }]);
            asking = false;
          }
        }
      }),
    );
    const elapsedMs = Date.now() - started;

    assert.ok(server.alive, 'the server process is still running');
    for (const fuzzer of fuzzers) assert.equal(fuzzer.ws.readyState, WebSocket.OPEN, 'bad frames never close a socket');
    const fresh = await Fuzzer.connect(url);
    clients.push(fresh);
    for (const client of [...fuzzers, bystander, fresh]) {
      client.replies = [];
      client.ws.send(JSON.stringify({ type: 'echo', id: 'after', payload: 'still here' }));
      await client.received(1, 'an echo after the fuzz');
      assert.deepEqual(client.replies, [{ kind: 'result', id: 'after', payload: 'still here' }]);
    }
    const after = await server.memory();
    assert.deepEqual(server.reportedErrors, [], 'nothing reported on errors$');

    server.stop('SIGTERM');
    const { code } = await within(server.exited, 15_000, 'the fuzz server to shut down');
    assert.equal(code, 0, `the server shut down cleanly: ${server.stderr.join('\n')}`);
    t.diagnostic(
      `fuzz soak: ${sent} fuzzed frames (${withId} commands with an id, ${sent - withId} frames of any kind; ${skipped} over 60 KB skipped) ` +
        `over ${CONNECTIONS} connections in ${(elapsedMs / 1000).toFixed(1)} s (${Math.round(sent / (elapsedMs / 1000))} frames/s), ` +
        `${replies} replies, each as owed, 0 missing, 0 extra, 0 crashes; bystander answered within ${slowestBystanderMs} ms at worst; ` +
        `server heap after GC ${(before.heapUsed / 1048576).toFixed(1)} -> ${(after.heapUsed / 1048576).toFixed(1)} MiB; seed ${SEED}`,
    );
  } finally {
    for (const client of clients) client.ws.terminate();
    if (server.alive) server.stop('SIGKILL');
  }
});
