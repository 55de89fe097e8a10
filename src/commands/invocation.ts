import type { Logger } from 'pino';
import type { Audience } from '../events/audience.js';
import type { EventDefinition, EventPayloadOf } from '../protocol/define-event.js';
import type { EventPublisher } from '../events/event-publisher.js';
import type { PublishOptions } from '../events/publish-options.js';
import type { AnyCommand } from '../protocol/define-command.js';
import type { Identity } from '../protocol/identity.js';
import type { MiddlewareContext } from './middleware.js';
import type { InboundCommand } from './inbound-command.js';

/**
 * One command's run: the context handlers and middleware see. The child
 * logger and the abort signal are made on first use, because most commands
 * never ask for them and the hot path should not pay for them.
 */
export class Invocation implements MiddlewareContext {
  readonly command: AnyCommand;
  payload: unknown;
  /** Set once the handler itself starts: errors before that concern the frame as a whole. */
  reachedHandler = false;
  readonly #inbound: InboundCommand;
  readonly #publisher: EventPublisher;
  readonly #baseLog: Logger;
  #log: Logger | undefined;
  #abort: AbortController | undefined;

  constructor(command: AnyCommand, inbound: InboundCommand, publisher: EventPublisher, log: Logger) {
    this.command = command;
    this.payload = inbound.payload;
    this.#inbound = inbound;
    this.#publisher = publisher;
    this.#baseLog = log;
  }

  get type(): string {
    return this.#inbound.type;
  }

  get commandId(): string | undefined {
    return this.#inbound.id;
  }

  get connectionId(): string {
    return this.#inbound.session.id;
  }

  get user(): Identity | undefined {
    return this.#inbound.session.user;
  }

  get rooms(): ReadonlySet<string> {
    return this.#inbound.session.rooms;
  }

  get log(): Logger {
    return (this.#log ??= this.#baseLog.child({ connectionId: this.connectionId, commandId: this.commandId, type: this.type }));
  }

  get signal(): AbortSignal {
    return (this.#abort ??= new AbortController()).signal;
  }

  publish<E extends EventDefinition>(event: E, payload: EventPayloadOf<E>, audience: Audience, options?: PublishOptions): void {
    this.#inbound.session.chargePublish?.();
    this.#publisher.publish(event, payload, audience, options);
  }

  join(room: string): Promise<void> {
    return this.#inbound.session.join(room);
  }

  leave(room: string): Promise<void> {
    return this.#inbound.session.leave(room);
  }

  identify(user: Identity): Promise<void> {
    return this.#inbound.session.identify(user);
  }

  /** Tells whoever holds `signal` that the command is over (timed out). */
  abort(reason: unknown): void {
    (this.#abort ??= new AbortController()).abort(reason);
  }
}
