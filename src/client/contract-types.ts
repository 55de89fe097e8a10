import type { AnyCommand, InputOf, ResultOf } from '../protocol/define-command.js';
import type { EventDefinition, EventPayloadOf } from '../protocol/define-event.js';

/**
 * Types that read a contract: an object (typically `typeof import('./contract.js')`)
 * whose values are command and event definitions. With it a client accepts
 * wire type strings (`'chat.say'`) and still infers payloads and results.
 * Type-only: nothing here exists at run time.
 *
 * @example
 * import type * as Contract from './contract.js';
 * const client = new SwitchyardClient<typeof Contract>({ url });
 * const { messageId } = await client.request('chat.say', { room, text });
 */
export type CommandsIn<M> = Extract<M[keyof M], AnyCommand>;

/** The event definitions of contract `M` (command definitions excluded). */
export type EventsIn<M> = Exclude<Extract<M[keyof M], EventDefinition>, AnyCommand>;

/** The command of contract `M` whose wire type is `T`. */
export type CommandNamed<M, T extends string> = Extract<CommandsIn<M>, { readonly type: T }>;

/** The event of contract `M` whose wire type is `T`. */
export type EventNamed<M, T extends string> = Extract<EventsIn<M>, { readonly type: T }>;

/** A command given by definition or, with a contract, by wire type. */
export type CommandRef<M> = AnyCommand | CommandsIn<M>['type'];

/** An event given by definition or, with a contract, by wire type. */
export type EventRef<M> = EventDefinition | EventsIn<M>['type'];

/** What a client sends for the command `R` refers to. */
export type InputFor<M, R> = R extends string ? InputOf<CommandNamed<M, R>> : InputOf<R>;

/** What the command `R` refers to answers. */
export type ResultFor<M, R> = R extends string ? ResultOf<CommandNamed<M, R>> : ResultOf<R>;

/** The payload of the event `R` refers to. */
export type EventPayloadFor<M, R> = R extends string ? EventPayloadOf<EventNamed<M, R>> : EventPayloadOf<R>;
