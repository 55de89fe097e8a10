import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Typed } from './typed.js';

declare const payload: unique symbol;

/** A domain event, defined once: its wire type and its payload type. */
export interface EventDefinition<TType extends string = string, TPayload = unknown> {
  readonly type: TType;
  readonly [payload]?: TPayload;
}

/** The payload type of event `E`. */
export type EventPayloadOf<E> = E extends EventDefinition<string, infer P> ? P : never;

type Described<S> = S extends StandardSchemaV1<unknown, infer O> ? O : S extends Typed<infer T> ? T : never;

/**
 * Defines a domain event. The payload is described by `typed<T>()` or by a
 * Standard Schema (used for its type; the server does not validate its own events).
 *
 * @example
 * const ChatMessage = defineEvent('chat.message', typed<{ room: string; from: string; text: string; at: number }>());
 */
export function defineEvent<const TType extends string, TShape extends StandardSchemaV1 | Typed<unknown>>(
  type: TType,
  _shape: TShape,
): EventDefinition<TType, Described<TShape>> {
  if (typeof type !== 'string' || type.length === 0) throw new TypeError('an event type must be a non-empty string');
  return Object.freeze({ type }) as EventDefinition<TType, Described<TShape>>;
}
