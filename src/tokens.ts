import type { InjectionToken } from 'tsyringe';
import type { Logger } from 'pino';

/**
 * Injection tokens for what has no class of its own. Classes
 * (`EventPublisher`, `Presence`) are their own tokens.
 *
 * @example
 * constructor(\@inject(Tokens.Logger) private readonly log: Logger) {}
 */
export const Tokens = Object.freeze({
  /** The application's pino logger. */
  Logger: Symbol('switchyard.Logger') as InjectionToken<Logger>,
});
