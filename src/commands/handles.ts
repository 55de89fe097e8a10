import type { AnyCommand } from '../protocol/define-command.js';
import type { Handler } from './command-handler.js';

/**
 * A command and its one handler, as data: what a handler module exports by
 * default for `app.registerDirectory()`. Making one registers nothing.
 */
export interface HandlerRegistration<C extends AnyCommand = AnyCommand> {
  readonly command: C;
  readonly handler: Handler<C>;
}

// Only what handles() made counts: an object that merely looks like one is refused, naming its file.
const registrations = new WeakSet<object>();

/**
 * Pairs a command with its handler (a class the container builds, or a
 * function), typed from the command, and returns the pair frozen. It has no
 * side effect: the application registers it when its composition root calls
 * `app.registerDirectory()` (or `app.register(r.command, r.handler)`).
 *
 * @example
 * // handlers/chat-say.ts
 * export async function chatSay({ room, text }: PayloadOf<typeof ChatSay>, ctx: CommandContext) { ... }
 * export default handles(ChatSay, chatSay);
 *
 * // handlers/room-join.ts
 * \@injectable()
 * export class RoomJoinHandler implements CommandHandler<typeof RoomJoin> { ... }
 * export default handles(RoomJoin, RoomJoinHandler);
 */
export function handles<C extends AnyCommand>(command: C, handler: Handler<C>): HandlerRegistration<C> {
  if (typeof command !== 'object' || command === null || typeof command.type !== 'string') throw new TypeError('handles() takes a command definition (defineCommand) first');
  const registration = Object.freeze({ command, handler });
  registrations.add(registration);
  return registration;
}

/**
 * Whether `value` was made by {@link handles}.
 *
 * @example
 * if (!isHandlerRegistration(module.default)) throw new Error(`${file} exports no handles(...)`);
 */
export function isHandlerRegistration(value: unknown): value is HandlerRegistration {
  return typeof value === 'object' && value !== null && registrations.has(value);
}
