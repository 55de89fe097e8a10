/** Every metric the library registers is documented in docs/observability.md and graphed by the dashboard, and nothing else is. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { Switchyard } from '../../src/index.js';
import { SpanAttribute } from '../../src/opentelemetry.js';
import { PrometheusMetrics } from '../../src/prometheus.js';

const docs = readFileSync(new URL('../../../docs/observability.md', import.meta.url), 'utf8');
const dashboard = JSON.parse(readFileSync(new URL('../../../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };

async function registered(): Promise<Array<{ name: string; type: string; labels: string[] }>> {
  const registry = new Registry();
  const app = new Switchyard({ telemetry: new PrometheusMetrics({ registry }) });
  try {
    const metrics = await registry.getMetricsAsJSON();
    return registry.getMetricsAsArray().map((metric) => {
      const json = metrics.find((entry) => entry.name === metric.name);
      return { name: metric.name, type: String(json?.type), labels: [...((metric as unknown as { labelNames?: string[] }).labelNames ?? [])] };
    });
  } finally {
    await app.close();
  }
}

describe('the observability documentation', () => {
  it('lists every metric with its type and labels, and no metric that does not exist', async () => {
    const metrics = await registered();
    assert.ok(metrics.length >= 11);
    const rows = new Map([...docs.matchAll(/^\| `(switchyard_[a-z_]+)` \| (\w+) \|([^|]*)\|/gm)].map((match) => [match[1] as string, { type: match[2] as string, labels: [...(match[3] as string).matchAll(/`(\w+)`/g)].map((label) => label[1] as string) }]));
    for (const { name, type, labels } of metrics) {
      const row = rows.get(name);
      assert.ok(row !== undefined, `${name} is documented`);
      assert.equal(row.type, type, `the type of ${name}`);
      assert.deepEqual(row.labels.sort(), labels.sort(), `the labels of ${name}`);
    }
    assert.deepEqual([...rows.keys()].sort(), metrics.map((metric) => metric.name).sort(), 'the table documents no other metric');
  });

  it('names every span attribute the tracing sets', () => {
    for (const attribute of Object.values(SpanAttribute)) assert.ok(docs.includes(`\`${attribute}\``), `${attribute} is documented`);
  });

  it('has a dashboard that graphs every metric, and queries no metric that does not exist', async () => {
    const names = new Set((await registered()).map((metric) => metric.name));
    const expressions = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    const queried = new Set(expressions.flatMap((expr) => [...expr.matchAll(/switchyard_[a-z_]+/g)].map((match) => (match[0] as string).replace(/_(bucket|sum|count)$/, ''))));
    assert.deepEqual([...queried].sort(), [...names].sort());
  });
});
