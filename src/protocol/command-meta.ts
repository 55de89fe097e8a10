/**
 * What a client may send beside a command, for the server's operations
 * rather than for the handler: today, W3C trace context, so the server's
 * span for the command continues the client's trace. Every field is optional
 * and a server without tracing ignores them.
 *
 * @example
 * ws.send(JSON.stringify({ type: 'chat.say', id: '7', payload, meta: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } }));
 */
export interface CommandMeta {
  /** The client's span, as a W3C `traceparent` header value: `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`. */
  readonly traceparent?: string;
  /** The W3C `tracestate` that goes with it, vendor entries passed on as they are. */
  readonly tracestate?: string;
}

/**
 * Longest `meta.traceparent` and `meta.tracestate` a codec accepts, in
 * characters: a version-00 `traceparent` has 55, and the W3C specification
 * lets a `tracestate` reach 512.
 *
 * @example
 * if (traceparent.length > MAX_META_LENGTHS.traceparent) reject();
 */
export const MAX_META_LENGTHS = Object.freeze({ traceparent: 256, tracestate: 512 });
