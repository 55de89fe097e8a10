/**
 * The attribute names Switchyard sets on its spans. `error.type` is the
 * OpenTelemetry semantic convention; the others are Switchyard's own.
 *
 * @example
 * const failed = spans.filter((span) => span.attributes[SpanAttribute.ERROR_TYPE] !== undefined);
 */
export const SpanAttribute = Object.freeze({
  COMMAND_TYPE: 'switchyard.command.type',
  COMMAND_ID: 'switchyard.command.id',
  COMMAND_OUTCOME: 'switchyard.command.outcome',
  CONNECTION_ID: 'switchyard.connection.id',
  TRANSPORT: 'switchyard.transport',
  EVENT_TYPE: 'switchyard.event.type',
  AUDIENCE_KIND: 'switchyard.audience.kind',
  RECIPIENTS: 'switchyard.delivery.recipients',
  ERROR_TYPE: 'error.type',
} as const);
