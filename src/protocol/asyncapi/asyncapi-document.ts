import type { AnyCommand } from '../define-command.js';
import type { EventDefinition } from '../define-event.js';
import { CloseCode, ErrorCode } from '../errors.js';
import { resolveAsyncApiOptions, type AsyncApiOptions, type ResolvedAsyncApiOptions } from './asyncapi-options.js';
import type { AsyncApiChannel, AsyncApiCloseCode, AsyncApiDocument, AsyncApiMessage, AsyncApiOperation, AsyncApiReference } from './asyncapi-types.js';
import { builtinSchemas } from './builtin-schemas.js';
import { closeCodeDescriptions, errorCodeDescriptions } from './code-descriptions.js';
import { rebaseRefs, toJsonSchema, type JsonSchema } from './to-json-schema.js';

/** What the document describes: the commands a server answers and the events it publishes. */
export interface AsyncApiContract {
  readonly commands: readonly AnyCommand[];
  readonly events: readonly EventDefinition[];
  /** What the server asks clients (`ctx.ask`): each a command definition the client answers. @default [] */
  readonly requests?: readonly AnyCommand[];
}

const channelId = 'session';
const channel: AsyncApiReference = Object.freeze({ $ref: `#/channels/${channelId}` });
const errorMessage: AsyncApiReference = Object.freeze({ $ref: `#/channels/${channelId}/messages/error` });
const commandId: AsyncApiReference = Object.freeze({ $ref: '#/components/schemas/commandId' });
const correlation: AsyncApiReference = Object.freeze({ $ref: '#/components/correlationIds/commandId' });

const typedInput = 'Declared with `typed<T>()`: its type exists in TypeScript only, and the server does not validate it.';
const typedEvent = 'Declared with `typed<T>()`: its type exists in TypeScript only, with no run-time schema to describe it.';
const typedResult =
  'Declared with `typed<T>()`, its type existing in TypeScript only with no run-time schema to describe it; or not declared, for a command that returns nothing (its result is `null`).';

/**
 * Generates the AsyncAPI 3.0.0 document of a contract: one `send` operation
 * per command, replied to by its `result` frame or the `error` frame, and one
 * `receive` operation per event, on one channel (the connection). Every
 * message is a whole protocol v1 frame; payloads and results come from the
 * definitions' Standard Schemas through Standard JSON Schema (draft-07), and
 * `typed<T>()` ones are empty schemas that say so. The result is plain JSON,
 * new on every call.
 *
 * @example
 * const document = asyncApiDocument({ commands: [ChatSay], events: [ChatMessage] }, { title: 'Chat', version: '1.0.0' });
 */
export function asyncApiDocument(contract: AsyncApiContract, options: AsyncApiOptions): AsyncApiDocument {
  const resolved = resolveAsyncApiOptions(options);
  const keys = new Set<string>();
  const schemas: Record<string, JsonSchema> = frameSchemas(resolved);
  const messages: Record<string, AsyncApiMessage> = {
    error: {
      name: 'error',
      title: 'error',
      summary: 'A command failed: the reply to a command with an id, or, without an id, the answer to a frame that never reached a handler.',
      contentType: 'application/json',
      payload: { $ref: '#/components/schemas/errorFrame' },
      correlationId: correlation,
    },
  };
  const operations: Record<string, AsyncApiOperation> = {};

  for (const command of contract.commands) {
    const builtin = builtinSchemas.get(command);
    const key = claim(keys, 'command', command.type);
    const resultKey = claim(keys, 'result', command.type);
    schemas[key] = componentSchema(key, builtin?.payload ?? toJsonSchema(command.schema, 'input', typedInput));
    schemas[resultKey] = componentSchema(resultKey, builtin?.result ?? toJsonSchema(command.resultSchema, 'output', typedResult));
    const validated = builtin !== undefined || command.schema !== undefined;
    messages[key] = {
      name: command.type,
      title: command.type,
      summary: `The command \`${command.type}\`.`,
      contentType: 'application/json',
      payload: {
        type: 'object',
        required: validated ? ['type', 'payload'] : ['type'],
        properties: { type: { const: command.type }, id: commandId, payload: reference(key) },
      },
      correlationId: correlation,
    };
    messages[resultKey] = {
      name: `${command.type}.result`,
      title: `${command.type} result`,
      summary: `The result of \`${command.type}\`.`,
      contentType: 'application/json',
      payload: {
        type: 'object',
        required: ['kind', 'id', 'payload'],
        properties: { kind: { const: 'result' }, id: commandId, payload: reference(resultKey) },
      },
      correlationId: correlation,
    };
    operations[key] = {
      action: 'send',
      channel,
      title: command.type,
      summary: builtin?.summary ?? `Runs \`${command.type}\`; the reply is its result or an error.`,
      messages: [messageReference(key)],
      reply: { channel, messages: [messageReference(resultKey), errorMessage] },
    };
  }

  const described = new Set<EventDefinition>();
  for (const event of contract.events) {
    if (described.has(event)) continue;
    described.add(event);
    const builtin = builtinSchemas.get(event);
    const key = claim(keys, 'event', event.type);
    schemas[key] = componentSchema(key, builtin?.payload ?? toJsonSchema(event.schema, 'output', typedEvent));
    messages[key] = {
      name: event.type,
      title: event.type,
      summary: `The event \`${event.type}\`.`,
      contentType: 'application/json',
      payload: {
        type: 'object',
        required: ['kind', 'type', 'payload'],
        properties: { kind: { const: 'event' }, type: { const: event.type }, payload: reference(key) },
      },
    };
    operations[key] = {
      action: 'receive',
      channel,
      title: event.type,
      summary: builtin?.summary ?? `\`${event.type}\`, to the connections in its audience.`,
      messages: [messageReference(key)],
    };
  }

  for (const request of contract.requests ?? []) {
    const key = claim(keys, 'request', request.type);
    const answerKey = claim(keys, 'answer', request.type);
    // Each side is read by its receiver (the client, then the server): the wire form is the schemas' input.
    schemas[key] = componentSchema(key, toJsonSchema(request.schema, 'input', typedEvent));
    schemas[answerKey] = componentSchema(answerKey, toJsonSchema(request.resultSchema, 'input', typedResult));
    messages[key] = {
      name: request.type,
      title: `${request.type} (asked by the server)`,
      summary: `The server asks \`${request.type}\`.`,
      contentType: 'application/json',
      payload: {
        type: 'object',
        required: ['kind', 'id', 'type', 'payload'],
        properties: { kind: { const: 'request' }, id: reference('requestId'), type: { const: request.type }, payload: reference(key) },
      },
      correlationId: correlation,
    };
    messages[answerKey] = {
      name: `${request.type}.answer`,
      title: `${request.type} answer`,
      summary: `The client's answer to \`${request.type}\`.`,
      contentType: 'application/json',
      payload: {
        type: 'object',
        required: ['kind', 'id', 'payload'],
        properties: { kind: { const: 'result' }, id: reference('requestId'), payload: reference(answerKey) },
      },
      correlationId: correlation,
    };
    operations[key] = {
      action: 'receive',
      channel,
      title: request.type,
      summary: `The server asks \`${request.type}\` (\`ctx.ask\`); answer with a \`result\`, or an \`error\` frame, carrying the request's id.`,
      messages: [messageReference(key)],
      reply: { channel, messages: [messageReference(answerKey), errorMessage] },
    };
  }

  const session: AsyncApiChannel = {
    address: '/',
    title: 'Session',
    description: channelDescription(),
    messages,
    'x-close-codes': closeCodes(),
  };
  return {
    asyncapi: '3.0.0',
    info: {
      title: resolved.title,
      version: resolved.version,
      ...(resolved.description === undefined ? {} : { description: resolved.description }),
    },
    defaultContentType: 'application/json',
    ...(Object.keys(resolved.servers).length === 0 ? {} : { servers: JSON.parse(JSON.stringify(resolved.servers)) as AsyncApiDocument['servers'] }),
    channels: { [channelId]: session },
    operations,
    components: {
      schemas,
      correlationIds: { commandId: { description: 'A reply carries the id of the command it answers.', location: '$message.payload#/id' } },
    },
  };
}

/**
 * A key for `kind` and `type`, unique in the document and usable in a JSON
 * pointer and as a component name: a type may hold any character, keys only these.
 */
function claim(keys: Set<string>, kind: 'command' | 'result' | 'event' | 'request' | 'answer', type: string): string {
  const base = `${kind}.${type.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  let key = base;
  for (let n = 2; keys.has(key); n++) key = `${base}-${n}`;
  keys.add(key);
  return key;
}

function reference(schemaKey: string): AsyncApiReference {
  return { $ref: `#/components/schemas/${schemaKey}` };
}

function messageReference(messageKey: string): AsyncApiReference {
  return { $ref: `#/channels/${channelId}/messages/${messageKey}` };
}

function componentSchema(key: string, schema: JsonSchema): JsonSchema {
  return rebaseRefs(schema, `#/components/schemas/${key}`);
}

/** The parts of every frame: the command id, the error, and the error frame. */
function frameSchemas(options: ResolvedAsyncApiOptions): Record<string, JsonSchema> {
  const described: Record<string, string> = { ...errorCodeDescriptions, ...options.errors };
  return {
    commandId: {
      type: 'string',
      maxLength: 128,
      description: 'Chosen by the client. With an id the server answers exactly once, with that id; without one the command is fire-and-forget.',
    },
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: {
          type: 'string',
          enum: [...Object.values(ErrorCode), ...Object.keys(options.errors)],
          description: `Stable, for code:\n\n${Object.entries(described)
            .map(([code, when]) => `- \`${code}\`: ${when}`)
            .join('\n')}`,
        },
        message: { type: 'string', description: 'For people; it may change.' },
        details: { type: 'array', items: {}, description: 'For `INVALID_PAYLOAD`, one `{ "path", "message" }` per issue; otherwise as the handler gave them, often empty.' },
      },
    },
    requestId: {
      type: 'string',
      description: 'Chosen by the server for a request to the client (`ctx.ask`); the answer carries it back.',
    },
    errorFrame: {
      type: 'object',
      description: '`id` is the failed command\'s; it is absent when the command had none, or when the frame could not be read far enough to find it.',
      required: ['kind', 'error'],
      properties: { kind: { const: 'error' }, id: commandId, error: reference('error') },
    },
  };
}

function closeCodes(): AsyncApiCloseCode[] {
  return (Object.keys(CloseCode) as (keyof typeof CloseCode)[]).map((name) => ({ code: CloseCode[name], name, description: closeCodeDescriptions[name] }));
}

function channelDescription(): string {
  const rows = closeCodes().map(({ code, name, description }) => `| ${code} | \`${name}\` | ${description} |`);
  return [
    'One WebSocket connection speaking protocol v1: one JSON object per text frame, in both directions.',
    'The client sends commands (`{"type", "id"?, "payload"}`); the server answers each command that has an `id` exactly once, with a `result` or an `error` frame carrying that id, and sends `event` frames to the connections in each event\'s audience. Replies come back in the order handlers finish. A command without an `id` is fire-and-forget: it is answered only by an error that kept it from its handler.',
    'The server may also ask the client something (`ctx.ask`): a `request` frame (`{"kind": "request", "id", "type", "payload"}`), which the client answers once with a `result` or an `error` frame carrying the request\'s id; the requests an application makes are the `receive` operations with a reply.',
    'The first frame on every connection is the `session.connected` event. A bad frame never closes the connection.',
    '',
    'Close codes the server sends:',
    '',
    '| code | name | meaning |',
    '| --- | --- | --- |',
    ...rows,
  ].join('\n');
}
