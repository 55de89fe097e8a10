import type { System } from '../load/bench-client.js';
import type { Metrics } from '../scenarios.js';
import { median } from './stats.js';

export interface Trial {
  readonly scenario: string;
  readonly system: System;
  readonly round: number;
  readonly metrics: Metrics;
}

export interface Results {
  readonly machine: Record<string, string | number>;
  readonly settings: Record<string, unknown>;
  readonly command: string;
  readonly startedAt: string;
  readonly trials: readonly Trial[];
}

/** One line of the results table: the median per system, and Switchyard's ratio to the baseline. */
export interface Row {
  readonly label: string;
  readonly scenario: string;
  readonly metric: string;
  readonly unit: string;
  readonly baseline: System;
  readonly medians: Partial<Record<System, number>>;
  readonly ratio: number | undefined;
  readonly target: string;
  readonly met: boolean | undefined;
}

interface RowSpec {
  label: string;
  scenario: string;
  /** Where the base column comes from, when not from `scenario` (the JWT storm is held against the storm without it). */
  baselineScenario?: string;
  metric: string;
  unit: string;
  baseline: System;
  target?: { text: string; check: (ratio: number) => boolean };
}

const atMost = (limit: number) => ({ text: `<= ${limit.toFixed(2)}x`, check: (ratio: number) => ratio <= limit });
const atLeast = (limit: number) => ({ text: `>= ${limit.toFixed(2)}x`, check: (ratio: number) => ratio >= limit });

export function rowSpecs(fanoutMembers: readonly number[]): RowSpec[] {
  return [
    { label: 'server CPU per request, 50 x 10', scenario: 'request-reply-50x10', metric: 'cpuPerRequestUs', unit: 'us', baseline: 'raw-dispatch', target: atMost(1.0) },
    { label: 'throughput, 50 x 10', scenario: 'request-reply-50x10', metric: 'throughput', unit: 'req/s', baseline: 'raw-dispatch', target: atLeast(0.9) },
    { label: 'server CPU busy, 50 x 10', scenario: 'request-reply-50x10', metric: 'serverCpuPercent', unit: '%', baseline: 'raw-dispatch' },
    { label: 'p50 latency, 1 x 1', scenario: 'latency-1x1', metric: 'p50Us', unit: 'us', baseline: 'raw-dispatch' },
    { label: 'p99 latency, 1 x 1', scenario: 'latency-1x1', metric: 'p99Us', unit: 'us', baseline: 'raw-dispatch', target: atMost(1.15) },
    { label: 'max latency, 1 x 1', scenario: 'latency-1x1', metric: 'maxUs', unit: 'us', baseline: 'raw-dispatch' },
    ...fanoutMembers.map((members) => ({
      label: `fan-out to ${members.toLocaleString('en-US')}, last delivery`,
      scenario: `fanout-${members}`,
      metric: 'lastDeliveryMs',
      unit: 'ms',
      baseline: 'raw-dispatch' as const,
      ...(members >= 10_000 ? { target: atMost(0.75) } : {}),
    })),
    // The server's own share of a fan-out, which the load on a shared machine moves far less than the time to the last member.
    ...fanoutMembers.map((members) => ({
      label: `fan-out to ${members.toLocaleString('en-US')}, server CPU per publish`,
      scenario: `fanout-${members}`,
      metric: 'serverCpuPerPublishMs',
      unit: 'ms',
      baseline: 'raw-dispatch' as const,
    })),
    { label: 'connection storm, all greeted', scenario: 'connection-storm', metric: 'stormMs', unit: 'ms', baseline: 'raw-dispatch', target: atMost(1.1) },
    { label: 'connection storm, server CPU per connection', scenario: 'connection-storm', metric: 'serverCpuPerConnectionUs', unit: 'us', baseline: 'raw-dispatch' },
    {
      label: 'connection storm with HS256 JWT, all greeted',
      scenario: 'connection-storm-jwt',
      baselineScenario: 'connection-storm',
      metric: 'stormMs',
      unit: 'ms',
      baseline: 'raw-dispatch',
      target: atMost(1.3),
    },
    { label: 'RSS per idle connection', scenario: 'idle-memory', metric: 'rssPerConnection', unit: 'KiB', baseline: 'raw-echo', target: atMost(0.85) },
    { label: 'heap per idle connection', scenario: 'idle-memory', metric: 'heapPerConnection', unit: 'KiB', baseline: 'raw-echo', target: atMost(1.0) },
  ];
}

export function summarize(results: Results): Row[] {
  const members = (results.settings['fanoutMembers'] as number[] | undefined) ?? [];
  const rows: Row[] = [];
  for (const spec of rowSpecs(members)) {
    const medians: Partial<Record<System, number>> = {};
    for (const system of columns) {
      const scenario = system === spec.baseline && spec.baselineScenario !== undefined ? spec.baselineScenario : spec.scenario;
      const values = results.trials
        .filter((trial) => trial.scenario === scenario && trial.system === system)
        .map((trial) => trial.metrics[spec.metric])
        .filter((value): value is number => typeof value === 'number');
      if (values.length > 0) medians[system] = spec.unit === 'KiB' ? median(values) / 1024 : median(values);
    }
    if (Object.keys(medians).length === 0) continue;
    const ours = medians.switchyard;
    const base = medians[spec.baseline];
    const ratio = ours !== undefined && base !== undefined && base !== 0 ? ours / base : undefined;
    rows.push({
      label: spec.label,
      scenario: spec.scenario,
      metric: spec.metric,
      unit: spec.unit,
      baseline: spec.baseline,
      medians,
      ratio,
      target: spec.target?.text ?? '',
      met: spec.target === undefined || ratio === undefined ? undefined : spec.target.check(ratio),
    });
  }
  return rows;
}

const columns: readonly System[] = ['raw-echo', 'raw-dispatch', 'socket-io', 'switchyard'];

function formatNumber(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** The table of medians and ratios, as Markdown. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['scenario (median)', 'unit', ...columns, 'Socket.IO / base', 'Switchyard / base', 'base', 'target', 'met'];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`];
  for (const row of rows) {
    const base = row.medians[row.baseline];
    const socketIo = row.medians['socket-io'];
    const ioRatio = socketIo !== undefined && base !== undefined && base !== 0 ? `${(socketIo / base).toFixed(2)}x` : '-';
    lines.push(
      `| ${[
        row.label,
        row.unit,
        ...columns.map((system) => formatNumber(row.medians[system])),
        ioRatio,
        row.ratio === undefined ? '-' : `${row.ratio.toFixed(2)}x`,
        row.baseline,
        row.target || '-',
        row.met === undefined ? '' : row.met ? 'yes' : 'NO',
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** The soak lines, as Markdown. */
export function formatSoak(results: Results): string {
  const soaks = results.trials.filter((trial) => trial.scenario === 'soak');
  if (soaks.length === 0) return '';
  const lines = ['| system | connections | held | server CPU | RSS | heap used | pings per connection | errors | closed |', '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const { system, metrics } of soaks) {
    const n = (key: string): number => metrics[key] as number;
    lines.push(
      `| ${system} | ${n('connections').toLocaleString('en-US')} | ${metrics['held'] ? 'yes' : 'NO'} | ${n('serverCpuPercent').toFixed(1)} % | ${n('rssMiB').toFixed(0)} MiB | ${n('heapUsedMiB').toFixed(0)} MiB | ${n('pingsPerConnection').toFixed(1)} | ${n('errors')} | ${n('closed')} |`,
    );
  }
  return lines.join('\n');
}

/** What telemetry may cost, as a ratio of server CPU per request to the same server with it off. */
const observabilityTargets: Readonly<Record<string, number>> = { metrics: 1.05, both: 1.15 };

/** The observability lines: each telemetry mode against the same server with telemetry off, as Markdown. */
export function formatObservability(results: Results): string {
  const modes = ['off', 'metrics', 'both'];
  const medianOf = (mode: string, metric: string): number | undefined => {
    const values = results.trials
      .filter((trial) => trial.scenario === `observability-${mode}`)
      .map((trial) => trial.metrics[metric])
      .filter((value): value is number => typeof value === 'number');
    return values.length === 0 ? undefined : median(values);
  };
  const base = medianOf('off', 'cpuPerRequestUs');
  if (base === undefined) return '';
  const lines = [
    '| telemetry (request-reply 50 x 10, median) | server CPU per request (us) | / off | target | met | throughput (req/s) | p99 (us) |',
    '| --- | ---: | ---: | ---: | --- | ---: | ---: |',
  ];
  const labels: Record<string, string> = { off: 'off', metrics: 'metrics on', both: 'metrics and tracing (no-op exporter)' };
  for (const mode of modes) {
    const cpu = medianOf(mode, 'cpuPerRequestUs');
    if (cpu === undefined) continue;
    const ratio = cpu / base;
    const target = observabilityTargets[mode];
    lines.push(
      `| ${labels[mode]} | ${formatNumber(cpu)} | ${ratio.toFixed(3)}x | ${target === undefined ? '-' : `<= ${target.toFixed(2)}x`} | ${target === undefined ? '' : ratio <= target ? 'yes' : 'NO'} | ${formatNumber(medianOf(mode, 'throughput'))} | ${formatNumber(medianOf(mode, 'p99Us'))} |`,
    );
  }
  return lines.join('\n');
}
