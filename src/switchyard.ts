import 'reflect-metadata';
import { pino, type Logger } from 'pino';
import { Subject, filter, map, type Observable, type Subscription } from 'rxjs';
import { container as rootContainer, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { CommandBus } from './commands/command-bus.js';
import type { Handler } from './commands/command-handler.js';
import type { AnyCommand } from './protocol/define-command.js';
import type { Middleware } from './commands/middleware.js';
import type { Backplane } from './events/backplane.js';
import { EventPublisher } from './events/event-publisher.js';
import { MemoryBackplane } from './events/memory-backplane.js';
import { MemoryPresence } from './events/memory-presence.js';
import { Presence } from './events/presence.js';
import type { ClosedSession } from './session/closed-session.js';
import { resolveSwitchyardOptions, type ResolvedSwitchyardOptions, type SwitchyardOptions } from './switchyard-options.js';
import { SetupError, SetupErrorCode } from './protocol/errors.js';
import { SessionReauth } from './protocol/session-commands.js';
import { sessionReauth } from './auth/session-reauth.js';
import { Tokens } from './tokens.js';
import type { Codec } from './protocol/codec.js';
import { jsonCodec } from './transport/codecs/json-codec.js';
import { resolveHubOptions, type ResolvedHubOptions } from './session/hub-options.js';
import type { DrainOptions, Transport } from './transport/transport.js';
import type { EventDefinition } from './protocol/define-event.js';
import { SessionConnected, SessionDraining, SessionResumed } from './protocol/session-events.js';
import { asyncApiDocument } from './protocol/asyncapi/asyncapi-document.js';
import type { AsyncApiOptions } from './protocol/asyncapi/asyncapi-options.js';
import type { AsyncApiDocument } from './protocol/asyncapi/asyncapi-types.js';
import { registerHandlerDirectory, type LoadedHandler } from './commands/handler-directory.js';
import type { HandlerDirectoryOptions } from './commands/handler-files.js';
import { combineTelemetry } from './observability/combine-telemetry.js';
import type { Telemetry } from './observability/telemetry.js';
import { setUpRecovery, type ApplicationRecovery } from './session/recovery/application-recovery.js';
import type { EventEnvelope } from './events/event-envelope.js';
import { RoomGate } from './session/rooms/room-gate.js';
import type { RoomPattern, RoomPolicy } from './session/rooms/room-policy.js';
import { readRoomChange, type RoomChange } from './session/rooms/room-change.js';
import { RoomJoined, RoomLeft } from './protocol/room-events.js';
import { ServerRequests } from './session/requests/server-requests.js';

/**
 * The composition root of a Switchyard application: one command bus, one
 * event publisher, one backplane, and the transports that serve them.
 *
 * @example
 * const app = new Switchyard({ logger });
 * app.register(Echo, (payload) => payload);
 * app.register(ChatSay, ChatSayHandler);
 * await app.listen(new WebSocketTransport({ port: 8080 }));
 */
export class Switchyard {
  readonly container: DependencyContainer;
  readonly logger: Logger;
  readonly publisher: EventPublisher;
  readonly presence: Presence;
  readonly bus: CommandBus;
  readonly #backplane: Backplane;
  // The application closes what it made; a backplane passed in is its owner's to close.
  readonly #ownsBackplane: boolean;
  readonly #options: ResolvedSwitchyardOptions;
  readonly #codec: Codec;
  readonly #errors = new Subject<unknown>();
  readonly #transports: Transport[] = [];
  readonly #closedListeners = new Set<(session: ClosedSession) => void | Promise<void>>();
  readonly #shutdownTasks = new Set<() => void | Promise<void>>();
  // Every transport sends these two, so every application publishes them.
  readonly #events = new Map<string, EventDefinition>([
    [SessionConnected.type, SessionConnected],
    [SessionDraining.type, SessionDraining],
  ]);
  // What handlers ask clients (ctx.ask), as declared for the contract.
  readonly #asked = new Map<string, AnyCommand>();
  readonly #bridge: Subscription;
  readonly #limits: ResolvedHubOptions;
  readonly #telemetry: Telemetry;
  readonly #detachTelemetry: (() => void) | undefined;
  readonly #recovery: ApplicationRecovery | undefined;
  readonly #rooms: RoomGate;
  readonly #requests: ServerRequests;
  #closing: Promise<boolean> | undefined;

  constructor(options: SwitchyardOptions = {}) {
    this.#options = resolveSwitchyardOptions(options);
    const timeoutMs = this.#options.commandTimeoutMs;
    this.#limits = resolveHubOptions(options.limits);
    this.logger = options.logger ?? pino({ enabled: false });
    this.container = options.container ?? rootContainer.createChildContainer();
    this.publisher = new EventPublisher();
    this.presence = options.presence ?? new MemoryPresence();
    this.#ownsBackplane = options.backplane === undefined;
    this.#backplane = options.backplane ?? new MemoryBackplane();
    this.#codec = options.codec ?? jsonCodec;
    const telemetry = (this.#telemetry = combineTelemetry(options.telemetry));
    // Before anything subscribes: a telemetry that refuses to attach leaves nothing running.
    this.#detachTelemetry = telemetry.attach?.({ backplane: this.#backplane });
    this.container.registerInstance(EventPublisher, this.publisher);
    // Presence is abstract, which tsyringe's typings do not model; it is still a valid token.
    this.container.registerInstance(Presence as unknown as InjectionToken<Presence>, this.presence);
    this.container.registerInstance(Tokens.Logger, this.logger);
    this.bus = new CommandBus({ container: this.container, publisher: this.publisher, logger: this.logger, timeoutMs, telemetry });
    // Built-in, not registered: a handler the user registers for it, before or after listen(), takes its place.
    // Served only where the endpoint verifies tokens; elsewhere session.reauth is an unknown command, reported even without an id.
    this.bus.registerBuiltin(SessionReauth, sessionReauth, { servesSession: (session) => session.verifyToken !== undefined });
    this.#recovery = options.recovery === undefined || options.recovery === false ? undefined : setUpRecovery(options.recovery, { bus: this.bus, backplane: this.#backplane, presence: this.presence, reportError: this.#reportError, resumed: (recovered, replayed) => telemetry.sessionResumed?.(recovered, replayed) });
    // An event stream that reconnects with Last-Event-ID is told how its resume went.
    if (this.#recovery !== undefined) this.#events.set(SessionResumed.type, SessionResumed);
    // With recovery, events go through the backplane that records them.
    const backplane = this.#recovery?.backplane ?? this.#backplane;
    this.#rooms = new RoomGate({ presence: this.presence, publisher: this.publisher, send: this.#sendControl });
    // Answers to this node's requests come back as control envelopes, wherever the asked client was; they are never recorded.
    this.#requests = new ServerRequests(this.#sendControl, this.#backplane.deliveries);
    // A throw inside an RxJS subscriber is rethrown asynchronously and would crash the process.
    this.#bridge = this.publisher.events$.subscribe({
      next: (envelope) => {
        // With tracing, the envelope sent is a copy carrying the publish's trace context.
        const probe = telemetry.eventPublished(envelope);
        let failure: unknown;
        try {
          backplane.publish(probe === undefined ? envelope : probe.envelope);
        } catch (error) {
          failure = error;
          this.#reportError(error);
        }
        probe?.end(failure);
      },
    });
  }

  /**
   * Failures that must not tear anything down (an event that could not be
   * delivered, presence that could not be recorded). Each is logged too.
   */
  get errors$(): Observable<unknown> {
    return this.#errors.asObservable();
  }

  /** Registers the one handler of a command: a class the container builds, or a function. */
  register<C extends AnyCommand>(command: C, handler: Handler<C>): this {
    this.bus.register(command, handler);
    return this;
  }

  /**
   * Registers every handler module of a folder: each `.js`/`.mjs` file (not
   * subfolders, unless `recursive`) must export by default
   * `handles(Command, Handler)`. Modules are imported and registered in the
   * order of their names, and each is logged at info level. Register the
   * services the handlers take first, as for `register()`. A module that
   * fails to load or exports no `handles(...)` is an `INVALID_HANDLER_MODULE`
   * error, a type handled twice `DUPLICATE_HANDLER`, both naming the file.
   * Resolves with what it registered.
   *
   * @example
   * app.container.registerInstance(CartStore, store);
   * await app.registerDirectory(new URL('./handlers/', import.meta.url));
   */
  async registerDirectory(directory: URL | string, options: HandlerDirectoryOptions = {}): Promise<readonly LoadedHandler[]> {
    return registerHandlerDirectory(this.bus, this.logger, directory, options);
  }

  /**
   * Gives the rooms whose name matches `pattern` a policy: who may join
   * (`authorize`, else `FORBIDDEN`), how many they hold across every node
   * (`capacity`, else `ROOM_FULL`, checked atomically by the presence),
   * whether members hear `room.joined`/`room.left` (`announce`, departures
   * on disconnect included), and whether a member is in one room of a group
   * at a time (`exclusive`: joining moves it). A room follows the first
   * policy whose pattern matches; rooms without one are plain sets of
   * connections. Joins and leaves of governed rooms appear on
   * {@link roomChanges$} on every node. See docs/rooms.md.
   *
   * @example
   * app.room('lobby', { capacity: 100, announce: true });
   * app.room('table:*', { capacity: 4, exclusive: true, authorize: ({ user }) => user !== undefined });
   */
  room(pattern: RoomPattern, policy: RoomPolicy): this {
    const resolved = this.#rooms.add(pattern, policy);
    if (resolved.announce === true) this.publishes(RoomJoined, RoomLeft);
    return this;
  }

  /**
   * Every join and leave of a room that has a policy, on whichever node it
   * happened (through the backplane): `kind`, `room`, `member`, and the
   * `reason` (`join`, `leave`, `moved`, `disconnect`). Like every event
   * crossing nodes, a change may be lost while the backplane is down.
   * Completes when the backplane closes.
   *
   * @example
   * app.roomChanges$.pipe(filter((change) => change.room.startsWith('table:'))).subscribe(updateLobbyBoard);
   */
  get roomChanges$(): Observable<RoomChange> {
    return this.#backplane.deliveries.pipe(
      filter((envelope) => envelope.control?.kind === 'room'),
      map((envelope) => readRoomChange(envelope.payload)),
      filter((change): change is RoomChange => change !== undefined),
    );
  }

  /**
   * Adds middleware around every handler: one layer, or several (as
   * `requires()` returns). Layers marked `runsBeforeValidation` run before the
   * payload is validated; within each phase, the first added is the outermost.
   */
  use(middleware: Middleware | readonly Middleware[]): this {
    this.bus.use(middleware);
    return this;
  }

  /**
   * Declares the events the application publishes, so that its contract
   * (`asyncapi()`) lists them beside its commands. Declaring one twice is
   * harmless; two definitions of one event type are a `DUPLICATE_EVENT` error.
   *
   * @example
   * app.publishes(RoomJoined, RoomLeft, ChatMessage);
   */
  publishes(...events: EventDefinition[]): this {
    declare(this.#events, events, 'event', 'publishes() takes event definitions (defineEvent)');
    return this;
  }

  /**
   * Declares what the application's handlers ask clients (`ctx.ask`), so
   * that its contract (`asyncapi()`) lists each request and the answer it
   * expects. Declaring one twice is harmless; two definitions of one type
   * are a `DUPLICATE_EVENT` error.
   *
   * @example
   * app.asks(RoomState);
   */
  asks(...requests: AnyCommand[]): this {
    declare(this.#asked, requests, 'request', 'asks() takes command definitions (defineCommand)');
    return this;
  }

  /**
   * The application's contract as an AsyncAPI 3.0.0 document (plain JSON,
   * new on each call): every registered command, with its result and errors,
   * and every declared event, their schemas from the definitions.
   *
   * @example
   * const document = app.asyncapi({ title: 'Chat', version: '1.0.0', servers: { prod: { host: 'chat.example.com', protocol: 'wss', pathname: '/ws' } } });
   */
  asyncapi(options: AsyncApiOptions): AsyncApiDocument {
    return asyncApiDocument({ commands: this.bus.commands(), events: [...this.#events.values()], requests: [...this.#asked.values()] }, options);
  }

  /**
   * Starts serving the bus on a transport. Several transports may serve one
   * application. A transport whose start fails is closed and forgotten, and
   * the error rethrown; one still starting when the application closes is
   * closed too, and `listen()` then rejects with `CLOSED`.
   *
   * @example
   * const transport = await app.listen(new WebSocketTransport({ port: 0 }));
   */
  async listen<T extends Transport>(transport: T): Promise<T> {
    if (this.#closing !== undefined) throw new SetupError(SetupErrorCode.CLOSED, 'the application is closed');
    if (this.#transports.includes(transport)) throw new SetupError(SetupErrorCode.ALREADY_STARTED, 'this transport is already serving the application');
    // Recorded before it starts, so that a close() during its start closes it as well.
    this.#transports.push(transport);
    const name = transport.name ?? 'custom';
    try {
      await transport.start({
        transport: name,
        telemetry: this.#telemetry.forTransport(name),
        bus: this.bus,
        deliveries: (this.#recovery?.backplane ?? this.#backplane).deliveries,
        presence: this.presence,
        codec: this.#codec,
        logger: this.logger,
        reportError: this.#reportError,
        sessionClosed: this.#sessionClosed,
        rooms: this.#rooms,
        requests: this.#requests,
        limits: this.#limits,
        maxSessionLifetimeMs: this.#options.maxSessionLifetimeMs,
        recovery: this.#recovery?.sessions,
        interest: this.#backplane,
      });
    } catch (error) {
      this.#transports.splice(this.#transports.indexOf(transport), 1);
      await transport.close().catch(this.#reportError);
      throw error;
    }
    if (this.#closing !== undefined) throw new SetupError(SetupErrorCode.CLOSED, 'the application closed while the transport was starting');
    return transport;
  }

  /**
   * Shuts down gracefully: drains every transport (clients are told
   * `session.draining`, running commands reply within the default deadline,
   * sockets close with 1001), then closes the event stream, and the
   * backplane if the application made it. A backplane or presence passed
   * in options is left open: close it yourself afterwards (`scaleOut.close()`).
   * Idempotent; the same as `drain()` with its defaults.
   *
   * @example
   * await app.close();
   * await scaleOut.close();
   */
  async close(): Promise<void> {
    await this.drain();
  }

  /**
   * Like {@link close}, with a chosen deadline for the running commands.
   * Resolves whether every running command finished before its transport
   * closed (`false`: some were cut off at the deadline). Idempotent: later
   * calls get the first call's outcome.
   *
   * @example
   * process.once('SIGTERM', async () => {
   *   if (!(await app.drain({ deadlineMs: 15_000 }))) logger.warn('commands were cut off by the shutdown');
   * });
   */
  drain(options: DrainOptions = {}): Promise<boolean> {
    return (this.#closing ??= this.#close(options));
  }

  async #close(options: DrainOptions): Promise<boolean> {
    const finished = await Promise.all(this.#transports.map((transport) => (transport.drain === undefined ? transport.close().then(() => true) : transport.drain(options))));
    await this.#runShutdownTasks();
    this.#requests.close();
    this.#bridge.unsubscribe();
    this.publisher.close();
    await this.#recovery?.close();
    if (this.#ownsBackplane) await this.#backplane.close();
    this.#detachTelemetry?.();
    this.#errors.complete();
    return finished.every(Boolean);
  }

  /**
   * Calls `listener` whenever a connection closes, once it has left its
   * rooms: the place to announce departures. A listener that throws or
   * rejects is reported on `errors$`, never breaks the connection's cleanup.
   * Returns a function that removes the listener; so does aborting `signal`.
   *
   * @example
   * app.onSessionClosed(({ connectionId, rooms }) => {
   *   for (const room of rooms) app.publisher.publish(RoomLeft, { room, connectionId }, to.room(room));
   * });
   */
  onSessionClosed(listener: (session: ClosedSession) => void | Promise<void>, options: { signal?: AbortSignal } = {}): () => void {
    const remove = (): void => void this.#closedListeners.delete(listener);
    if (options.signal?.aborted) return remove;
    this.#closedListeners.add(listener);
    options.signal?.addEventListener('abort', remove, { once: true });
    return remove;
  }

  /**
   * Calls `task` when the application shuts down (`close()`, `drain()`),
   * once every transport has drained (so the last commands have run) and
   * before the event stream and the backplane close. Tasks run together and
   * are awaited; one that throws or rejects is reported on `errors$`, and
   * the shutdown goes on. Returns a function that removes the task; so does
   * aborting `signal`.
   *
   * @example
   * const saves = new WriteBehind({ flush: (keys) => store.save(keys) });
   * app.onShutdown(() => saves.close());
   */
  onShutdown(task: () => void | Promise<void>, options: { signal?: AbortSignal } = {}): () => void {
    if (typeof task !== 'function') throw new TypeError('onShutdown() takes a function');
    const remove = (): void => void this.#shutdownTasks.delete(task);
    if (options.signal?.aborted) return remove;
    this.#shutdownTasks.add(task);
    options.signal?.addEventListener('abort', remove, { once: true });
    return remove;
  }

  /**
   * Reports a failure of the application's own background work (a flush, a
   * timer) that must not tear anything down: it is logged at error level
   * with `message`, and emitted on `errors$`.
   *
   * @example
   * const saves = new WriteBehind({ flush, onError: (error) => app.reportError(error, 'room stats not saved') });
   */
  reportError(error: unknown, message = 'background work failed'): void {
    this.logger.error({ err: error }, message);
    this.#errors.next(error);
  }

  async #runShutdownTasks(): Promise<void> {
    const tasks = [...this.#shutdownTasks];
    this.#shutdownTasks.clear();
    await Promise.all(
      tasks.map(async (task) => {
        try {
          await task();
        } catch (error) {
          this.reportError(error, 'a shutdown task failed');
        }
      }),
    );
  }

  readonly #sessionClosed = (session: ClosedSession): void => {
    this.#rooms.closed(session);
    for (const listener of this.#closedListeners) {
      try {
        const outcome = listener(session);
        if (outcome instanceof Promise) outcome.catch(this.#reportError);
      } catch (error) {
        this.#reportError(error);
      }
    }
  };

  /** Hands a control envelope (a room change, a request, an answer) to the backplane, past the domain event stream. */
  readonly #sendControl = (envelope: EventEnvelope): void => {
    try {
      this.#backplane.publish(envelope);
    } catch (error) {
      this.#reportError(error);
    }
  };

  readonly #reportError = (error: unknown): void => {
    this.logger.error({ err: error }, 'delivery failed');
    this.#errors.next(error);
  };
}

/** Adds definitions to a contract's declarations by type, all or none: one given twice is harmless, two of one type are refused. */
function declare<T extends { readonly type: string }>(declared: Map<string, T>, definitions: readonly T[], kind: string, misuse: string): void {
  for (const definition of definitions) {
    if (typeof definition !== 'object' || definition === null || typeof definition.type !== 'string') throw new TypeError(misuse);
    const known = declared.get(definition.type);
    if (known !== undefined && known !== definition) throw new SetupError(SetupErrorCode.DUPLICATE_EVENT, `${kind} "${definition.type}" is declared by two different definitions`);
  }
  for (const definition of definitions) declared.set(definition.type, definition);
}
