declare const carries: unique symbol;

/**
 * A type-only marker: it carries `T` at compile time and nothing at run time.
 * Use it where a command's result or an event's payload needs a type but no
 * run-time validation.
 *
 * @example
 * const Echo = defineCommand('echo', { payload: typed<unknown>(), result: typed<unknown>() });
 */
export interface Typed<T> {
  readonly [carries]?: T;
}

const marker: Typed<never> = Object.freeze({});

/**
 * Creates a {@link Typed} marker for `T`.
 *
 * @example
 * const ChatMessage = defineEvent('chat.message', typed<{ room: string; text: string }>());
 */
export function typed<T>(): Typed<T> {
  return marker as Typed<T>;
}
