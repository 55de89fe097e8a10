import type { AnyCommand, PayloadOf, ResultOf } from '../protocol/define-command.js';
import type { CommandContext } from './command-context.js';

/**
 * A class that handles one command. The container builds it once, injecting
 * its constructor's dependencies (`EventPublisher`, `Presence`, the logger,
 * your own services).
 *
 * @example
 * \@injectable()
 * class EchoHandler implements CommandHandler<typeof Echo> {
 *   async execute(payload: PayloadOf<typeof Echo>) { return payload; }
 * }
 */
export interface CommandHandler<C extends AnyCommand> {
  execute(payload: PayloadOf<C>, ctx: CommandContext): ResultOf<C> | Promise<ResultOf<C>>;
}

/**
 * A plain function that handles one command, for small cases.
 *
 * @example
 * app.register(Echo, (payload) => payload);
 */
export type HandlerFunction<C extends AnyCommand> = (payload: PayloadOf<C>, ctx: CommandContext) => ResultOf<C> | Promise<ResultOf<C>>;

/** A handler class the container can build. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HandlerClass<C extends AnyCommand> = new (...args: any[]) => CommandHandler<C>;

/** Either kind of handler. */
export type Handler<C extends AnyCommand> = HandlerClass<C> | HandlerFunction<C>;
