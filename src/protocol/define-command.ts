import type { StandardSchemaV1 } from '@standard-schema/spec';
import { isStandardSchema } from './is-standard-schema.js';
import type { Typed } from './typed.js';

declare const result: unique symbol;
declare const input: unique symbol;

/**
 * A command, defined once: its wire type, how its payload is validated, and
 * the type of its result. Handlers, the bus and the client infer their types
 * from it, so the type string appears in one place only.
 */
export interface CommandDefinition<TType extends string = string, TInput = unknown, TPayload = unknown, TResult = unknown> {
  readonly type: TType;
  /** Validates the payload before any middleware or handler sees it; absent for typed-only payloads. */
  readonly schema: StandardSchemaV1<TInput, TPayload> | undefined;
  /**
   * Describes the result, for the published contract (`app.asyncapi()`);
   * absent for `typed<T>()` results. The bus does not validate results.
   */
  readonly resultSchema?: StandardSchemaV1<unknown, TResult> | undefined;
  readonly [input]?: TInput;
  readonly [result]?: TResult;
}

/** Any command definition. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandDefinition<string, any, any, any>;

/** What a client sends for command `C` (the schema's input). */
export type InputOf<C> = C extends CommandDefinition<string, infer I, unknown, unknown> ? I : never;
/** What the handler of command `C` receives (the schema's output). */
export type PayloadOf<C> = C extends CommandDefinition<string, unknown, infer P, unknown> ? P : never;
/** What the handler of command `C` returns and the client receives. */
export type ResultOf<C> = C extends CommandDefinition<string, unknown, unknown, infer R> ? R : never;

type SchemaInput<S> = S extends StandardSchemaV1<infer I, unknown> ? I : S extends Typed<infer T> ? T : never;
type SchemaOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : S extends Typed<infer T> ? T : never;

/** How a command is defined: a payload schema (or a type-only marker) and its result type. */
export interface CommandSpec<TSchema, TResult> {
  /** Any Standard Schema (zod, valibot, arktype...), or `typed<T>()` to skip validation. */
  readonly payload: TSchema;
  /**
   * The result type: `typed<T>()`, or a Standard Schema whose output type it
   * is. A schema documents the result in the published contract; it is not
   * run against what the handler returns. Omit for commands that return nothing.
   */
  readonly result?: Typed<TResult> | StandardSchemaV1<unknown, TResult>;
}

/**
 * Defines a command. The definition is frozen and safe in a browser bundle.
 *
 * @example
 * const ChatSay = defineCommand('chat.say', {
 *   payload: z.object({ room: z.string(), text: z.string().min(1) }),
 *   result: typed<{ messageId: string }>(),
 * });
 * const RoomJoin = defineCommand('room.join', {
 *   payload: z.object({ room: z.string() }),
 *   result: z.object({ room: z.string(), members: z.array(z.string()) }),
 * });
 */
export function defineCommand<const TType extends string, TSchema extends StandardSchemaV1 | Typed<unknown>, TResult = void>(
  type: TType,
  spec: CommandSpec<TSchema, TResult>,
): CommandDefinition<TType, SchemaInput<TSchema>, SchemaOutput<TSchema>, TResult> {
  if (typeof type !== 'string' || type.length === 0) throw new TypeError('a command type must be a non-empty string');
  const schema = isStandardSchema(spec.payload) ? spec.payload : undefined;
  const resultSchema = isStandardSchema(spec.result) ? spec.result : undefined;
  return Object.freeze({ type, schema, resultSchema }) as CommandDefinition<TType, SchemaInput<TSchema>, SchemaOutput<TSchema>, TResult>;
}
