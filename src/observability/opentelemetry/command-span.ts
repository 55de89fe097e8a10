import { context, isSpanContextValid, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { ErrorCode } from '../../protocol/errors.js';
import type { CommandProbe } from '../telemetry.js';
import { SpanAttribute } from './span-attributes.js';

// Failures of the server, not of the request: the span's status says so. The
// others (a bad payload, a refusal) are the client's, as a 4xx is for HTTP.
const SERVER_FAULTS: ReadonlySet<string> = new Set([ErrorCode.INTERNAL, ErrorCode.TIMEOUT, ErrorCode.UNAVAILABLE]);

/**
 * One command's SERVER span and the context it runs in, so the handler's
 * publishes become its children and its log lines carry its ids.
 *
 * @example
 * const probe = new CommandSpan(span, parentContext);
 * probe.run(handler, undefined, payload);
 * probe.end('result', 0.4);
 */
export class CommandSpan implements CommandProbe {
  readonly #span: Span;
  readonly #context: Context;
  // Made when a line is first logged about the command: most commands log nothing.
  #logFields: Readonly<Record<string, string>> | undefined | null = null;

  constructor(span: Span, parent: Context) {
    this.#span = span;
    this.#context = trace.setSpan(parent, span);
  }

  get logFields(): Readonly<Record<string, string>> | undefined {
    if (this.#logFields !== null) return this.#logFields;
    const ids = this.#span.spanContext();
    return (this.#logFields = isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : undefined);
  }

  run<A, B, C, R>(fn: (a: A, b: B, c: C) => R, a: A, b: B, c: C): R {
    return context.with(this.#context, fn, undefined, a, b, c);
  }

  end(outcome: string, _durationMs: number, error?: unknown): void {
    const span = this.#span;
    span.setAttribute(SpanAttribute.COMMAND_OUTCOME, outcome);
    if (outcome !== 'result') {
      span.setAttribute(SpanAttribute.ERROR_TYPE, outcome);
      if (SERVER_FAULTS.has(outcome)) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    }
    if (error instanceof Error) span.recordException(error);
    span.end();
  }
}
