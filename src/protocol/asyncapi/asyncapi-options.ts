import { ErrorCode } from '../errors.js';

/**
 * A server of the published contract, as AsyncAPI 3.0 describes one. Put the
 * WebSocket path in `pathname`: the channel's address is `/` relative to it.
 * Fields beyond these (`variables`, `security`, `bindings`...) are copied as given.
 */
export interface AsyncApiServer {
  /** Host and port, e.g. `chat.example.com` or `127.0.0.1:8080`. */
  readonly host: string;
  /** `ws` or `wss`. */
  readonly protocol: string;
  /** The path the WebSocket transport serves, e.g. `/ws`. @default undefined */
  readonly pathname?: string;
  /** What this server is. @default undefined */
  readonly description?: string;
  readonly [field: string]: unknown;
}

/** Options of `app.asyncapi()`. */
export interface AsyncApiOptions {
  /** The API's title (`info.title`). Required. */
  title: string;
  /** The API's version (`info.version`), not the AsyncAPI version. Required. */
  version: string;
  /** What the API is for, in CommonMark (`info.description`). @default undefined */
  description?: string;
  /** Where clients connect, by name. @default {} (the document names no server) */
  servers?: Readonly<Record<string, AsyncApiServer>>;
  /**
   * The error codes the application's handlers raise on purpose, each with
   * when it is sent. They join the built-in codes in the error frame's enum.
   * @default {}
   */
  errors?: Readonly<Record<string, string>>;
}

/** The options once checked, with their defaults. */
export interface ResolvedAsyncApiOptions {
  readonly title: string;
  readonly version: string;
  readonly description: string | undefined;
  readonly servers: Readonly<Record<string, AsyncApiServer>>;
  readonly errors: Readonly<Record<string, string>>;
}

const defaults = Object.freeze({ servers: Object.freeze({}), errors: Object.freeze({}) });

/**
 * Applies the defaults, checks every field, and freezes the result. A field
 * of the wrong type is a `TypeError`.
 *
 * @example
 * resolveAsyncApiOptions({ title: 'Chat', version: '1.2.0', servers: { prod: { host: 'chat.example.com', protocol: 'wss', pathname: '/ws' } } });
 */
export function resolveAsyncApiOptions(options: AsyncApiOptions): ResolvedAsyncApiOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('asyncapi() needs options with a "title" and a "version"');
  const title = nonEmpty(options.title, '"title"');
  const version = nonEmpty(options.version, '"version"');
  const description = options.description;
  if (description !== undefined && typeof description !== 'string') throw new TypeError('"description" must be a string');
  const servers = options.servers ?? defaults.servers;
  if (!isRecord(servers)) throw new TypeError('"servers" must be an object of servers by name');
  for (const [name, server] of Object.entries(servers)) {
    if (!isRecord(server)) throw new TypeError(`server "${name}" must be an object`);
    nonEmpty((server as { host?: unknown }).host, `server "${name}": "host"`);
    nonEmpty((server as { protocol?: unknown }).protocol, `server "${name}": "protocol"`);
  }
  const errors = options.errors ?? defaults.errors;
  if (!isRecord(errors)) throw new TypeError('"errors" must be an object of descriptions by code');
  for (const [code, when] of Object.entries(errors)) {
    if (code.length === 0) throw new TypeError('an error code must be a non-empty string');
    if (Object.hasOwn(ErrorCode, code)) throw new TypeError(`error "${code}" is a built-in code: it is documented already`);
    if (typeof when !== 'string') throw new TypeError(`error "${code}": the description must be a string`);
  }
  return Object.freeze({ title, version, description, servers, errors });
}

function nonEmpty(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${what} must be a non-empty string`);
  return value;
}

function isRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
