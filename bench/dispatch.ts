// npm run bench:dispatch [-- --modes off,metrics,als,api,both --ops 1000000]
// The bus alone, no socket: time and heap bytes allocated per dispatch of a
// validated echo command, with telemetry off; metrics on; metrics and the
// AsyncLocalStorage context manager an SDK registers, without tracing (what
// Node's async hooks cost every promise); metrics and tracing through
// @opentelemetry/api with no SDK (what the library's tracing costs: context,
// spans that record nothing); and metrics and tracing with the SDK and an
// exporter that sends nothing. Each mode runs in
// its own process (node --expose-gc, a semi-space large enough that a
// measured batch fits in it), so one mode's JIT state cannot favour another.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { container } from 'tsyringe';
import { z } from 'zod';
import { CommandBus, defineCommand, EventPublisher, typed, type InboundCommand, type Session, type Telemetry } from '../src/index.js';

const { values } = parseArgs({ options: { modes: { type: 'string', default: 'off,metrics,als,api,both' }, ops: { type: 'string', default: '1000000' }, child: { type: 'string' } } });
const ops = Number(values.ops);

if (values.child === undefined) {
  const rows: string[] = ['| telemetry | ns per dispatch | / off | heap bytes per dispatch |', '| --- | ---: | ---: | ---: |'];
  let base: number | undefined;
  for (const mode of (values.modes ?? '').split(',')) {
    const output = execFileSync(process.execPath, ['--expose-gc', '--min-semi-space-size=256', '--max-semi-space-size=256', fileURLToPath(import.meta.url), '--child', mode, '--ops', String(ops)], { encoding: 'utf8' });
    const { nsPerOp, bytesPerOp } = JSON.parse(output) as { nsPerOp: number; bytesPerOp: number };
    base ??= nsPerOp;
    rows.push(`| ${mode} | ${nsPerOp.toFixed(0)} | ${(nsPerOp / base).toFixed(2)}x | ${bytesPerOp.toFixed(0)} |`);
  }
  console.log(`${ops.toLocaleString('en-US')} dispatches per mode, after a warm-up; median of 5 batches\n`);
  console.log(rows.join('\n'));
} else {
  console.log(JSON.stringify(await measure(values.child)));
}

async function telemetryFor(mode: string): Promise<Telemetry | undefined> {
  if (mode === 'off') return undefined;
  // Loaded only when asked for, so that this file also runs on a build without telemetry (mode off).
  const { Registry } = await import('prom-client');
  const { PrometheusMetrics } = await import('../src/prometheus.js');
  const telemetry: Telemetry[] = [new PrometheusMetrics({ registry: new Registry() })];
  if (mode === 'als') {
    const { context } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  } else if (mode === 'api' || mode === 'both') {
    const { context } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    const { OpenTelemetryTracing } = await import('../src/opentelemetry.js');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const exporter = { export: (_spans: unknown[], done: (result: { code: 0 }) => void) => done({ code: 0 }), shutdown: async () => {} };
    const sdk = mode === 'both' ? { tracerProvider: new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] }) } : {};
    telemetry.push(new OpenTelemetryTracing(sdk));
  } else if (mode !== 'metrics') {
    throw new TypeError(`unknown mode "${mode}" (off, metrics, als, api, both)`);
  }
  // As the application does with its telemetry option.
  const { combineTelemetry } = await import('../src/observability/combine-telemetry.js');
  return combineTelemetry(telemetry);
}

async function measure(mode: string): Promise<{ nsPerOp: number; bytesPerOp: number }> {
  const telemetry = await telemetryFor(mode);
  const Echo = defineCommand('echo', { payload: z.object({ n: z.number(), text: z.string() }), result: typed<{ n: number; text: string }>() });
  const deps = { container: container.createChildContainer(), publisher: new EventPublisher(), logger: pino({ level: 'silent' }), timeoutMs: 10_000 };
  // A build without telemetry takes the same deps without the field.
  const bus = new CommandBus(telemetry === undefined ? deps : { ...deps, telemetry });
  bus.register(Echo, (payload) => payload);
  const session: Session = { id: 'c-1', user: undefined, rooms: new Set(), join: async () => {}, leave: async () => {}, identify: async () => {} };
  const inbound: InboundCommand = { type: 'echo', id: '1', payload: { n: 1, text: 'hello' }, session };

  // As the hub runs a command: the reply at once when the command finished synchronously (a build with
  // `execute`), awaited only when it did not; an older build is measured through `dispatch`.
  const execute = (bus as { execute?: (command: InboundCommand) => unknown }).execute?.bind(bus);
  const run = async (count: number): Promise<void> => {
    if (execute === undefined) {
      for (let n = 0; n < count; n++) await bus.dispatch(inbound);
      return;
    }
    for (let n = 0; n < count; n++) {
      const outcome = execute(inbound);
      if (outcome instanceof Promise) await outcome;
    }
  };
  await run(200_000);

  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');

  // Bytes: a batch small enough to fit in the young generation (made large and fixed by the flags), after a full collection.
  const batch = 20_000;
  const bytes: number[] = [];
  for (let round = 0; round < 5; round++) {
    gc();
    const heap = process.memoryUsage().heapUsed;
    await run(batch);
    bytes.push((process.memoryUsage().heapUsed - heap) / batch);
  }
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    const started = process.hrtime.bigint();
    await run(ops / 5);
    times.push(Number(process.hrtime.bigint() - started) / (ops / 5));
  }
  return { nsPerOp: median(times), bytesPerOp: median(bytes) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
