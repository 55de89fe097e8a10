/**
 * The shape of the AsyncAPI 3.0 document `app.asyncapi()` returns: plain
 * JSON, typed as far as Switchyard fills it in.
 */
import type { AsyncApiServer } from './asyncapi-options.js';
import type { JsonSchema } from './to-json-schema.js';

/** A JSON Reference to another part of the document. */
export interface AsyncApiReference {
  readonly $ref: string;
}

/** One kind of frame: a command, its result, the error frame, or an event. */
export interface AsyncApiMessage {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  readonly contentType: string;
  /** The whole frame (the v1 envelope), its payload a reference into `components.schemas`. */
  readonly payload: JsonSchema;
  readonly correlationId?: AsyncApiReference;
}

/** A command the client sends (with its reply), or an event it receives. */
export interface AsyncApiOperation {
  readonly action: 'send' | 'receive';
  readonly channel: AsyncApiReference;
  readonly title: string;
  readonly summary: string;
  readonly messages: readonly AsyncApiReference[];
  readonly reply?: { readonly channel: AsyncApiReference; readonly messages: readonly AsyncApiReference[] };
}

/** A close code the server sends, and why. */
export interface AsyncApiCloseCode {
  readonly code: number;
  readonly name: string;
  readonly description: string;
}

/** The connection: every frame, in both directions, travels on it. */
export interface AsyncApiChannel {
  readonly address: string;
  readonly title: string;
  readonly description: string;
  readonly messages: Readonly<Record<string, AsyncApiMessage>>;
  readonly 'x-close-codes': readonly AsyncApiCloseCode[];
}

/**
 * An AsyncAPI 3.0.0 document.
 *
 * @example
 * const document: AsyncApiDocument = app.asyncapi({ title: 'Chat', version: '1.0.0' });
 * writeFileSync('asyncapi.json', JSON.stringify(document, null, 2));
 */
export interface AsyncApiDocument {
  readonly asyncapi: '3.0.0';
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  readonly defaultContentType: 'application/json';
  readonly servers?: Readonly<Record<string, AsyncApiServer>>;
  readonly channels: Readonly<Record<string, AsyncApiChannel>>;
  readonly operations: Readonly<Record<string, AsyncApiOperation>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly correlationIds: Readonly<Record<string, { readonly description: string; readonly location: string }>>;
  };
}
