/**
 * `switchyard/opentelemetry`: OpenTelemetry traces of an application,
 * through `@opentelemetry/api` (an optional peer dependency) and the SDK the
 * application registers. The only entry that loads `@opentelemetry/api`.
 */
export { OpenTelemetryTracing, TRACER_NAME } from './observability/opentelemetry/opentelemetry-tracing.js';
export type { ClientTracePolicy, OpenTelemetryTracingOptions } from './observability/opentelemetry/opentelemetry-options.js';
export { SpanAttribute } from './observability/opentelemetry/span-attributes.js';
