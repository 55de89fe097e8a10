import type { StandardSchemaV1 } from '@standard-schema/spec';
import { isStandardSchema } from './is-standard-schema.js';
import type { Typed } from './typed.js';

declare const payload: unique symbol;

/** A domain event, defined once: its wire type and its payload type. */
export interface EventDefinition<TType extends string = string, TPayload = unknown> {
  readonly type: TType;
  /**
   * Describes the payload, for the published contract (`app.asyncapi()`);
   * absent for `typed<T>()` payloads. The server does not validate its own events.
   */
  readonly schema?: StandardSchemaV1<unknown, TPayload> | undefined;
  readonly [payload]?: TPayload;
}

/** The payload type of event `E`. */
export type EventPayloadOf<E> = E extends EventDefinition<string, infer P> ? P : never;

type Described<S> = S extends StandardSchemaV1<unknown, infer O> ? O : S extends Typed<infer T> ? T : never;

/**
 * Defines a domain event. The payload is described by `typed<T>()` or by a
 * Standard Schema: its output type is the payload type, and the definition
 * keeps it to document the event; the server does not validate its own events.
 * The definition is frozen and safe in a browser bundle.
 *
 * @example
 * const ChatMessage = defineEvent('chat.message', typed<{ room: string; from: string; text: string; at: number }>());
 * const RoomClosed = defineEvent('room.closed', z.object({ room: z.string() }));
 */
export function defineEvent<const TType extends string, TShape extends StandardSchemaV1 | Typed<unknown>>(
  type: TType,
  shape: TShape,
): EventDefinition<TType, Described<TShape>> {
  if (typeof type !== 'string' || type.length === 0) throw new TypeError('an event type must be a non-empty string');
  const schema = isStandardSchema(shape) ? shape : undefined;
  return Object.freeze({ type, schema }) as EventDefinition<TType, Described<TShape>>;
}
