/** app.asyncapi(): the application's contract as an AsyncAPI 3.0 document, generated from its registry. */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  CloseCode,
  ErrorCode,
  SessionConnected,
  SessionDraining,
  SessionResumed,
  SessionReauth,
  SetupError,
  SetupErrorCode,
  Switchyard,
  defineCommand,
  defineEvent,
  jwtAuthenticator,
  reauthHandler,
  typed,
  type AnyCommand,
  type AsyncApiDocument,
  type EventDefinition,
} from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';
import { createDemoApp } from '../demo/app.js';
import { CartUpdated, ChatMessage, RoomJoined, RoomLeft, RoomState } from '../demo/contract.js';
import { parseAsyncApi, resolveRef } from './support/asyncapi.js';
import { testLogger } from './support/harness.js';

const RoomJoin = defineCommand('room.join', {
  payload: z.object({ room: z.string().min(1).max(64), password: z.string().optional() }),
  result: z.object({ room: z.string(), members: z.array(z.string()) }),
});
const Ping = defineCommand('ping', { payload: typed<{ at: number }>(), result: typed<{ pong: number }>() });
const Forget = defineCommand('forget', { payload: z.object({ key: z.string() }) });
const RoomClosed = defineEvent('room.closed', z.object({ room: z.string(), reason: z.enum(['empty', 'admin']) }));
const Tick = defineEvent('tick', typed<{ n: number }>());

function draft07(schema: unknown, side: 'input' | 'output'): Record<string, unknown> {
  const converted = { ...(schema as z.ZodType)['~standard'].jsonSchema[side]({ target: 'draft-07' }) };
  delete converted['$schema'];
  return converted;
}

/** The component schema a frame's `payload` property refers to. */
function payloadSchemaOf(document: AsyncApiDocument, messageRef: string): unknown {
  const message = resolveRef(document, messageRef) as { payload: { properties: { payload: { $ref: string } } } };
  return resolveRef(document, message.payload.properties.payload.$ref);
}

function operationFor(document: AsyncApiDocument, action: 'send' | 'receive', type: string) {
  const found = Object.values(document.operations).filter((operation) => operation.action === action && operation.title === type);
  assert.equal(found.length, 1, `one ${action} operation for "${type}"`);
  return found[0]!;
}

/** Every command and event is in the document once, with the frame its definition describes. */
function assertComplete(document: AsyncApiDocument, registered: readonly AnyCommand[], events: readonly EventDefinition[], requests: readonly AnyCommand[] = []): void {
  // Every application serves the built-in session.reauth (unless it registered its own).
  const commands = registered.some((command) => command.type === SessionReauth.type) ? registered : [...registered, SessionReauth];
  assert.equal(Object.keys(document.operations).length, commands.length + events.length + requests.length);
  for (const request of requests) {
    const operation = operationFor(document, 'receive', request.type);
    const asked = resolveRef(document, operation.messages[0]!.$ref) as { payload: { properties: { kind: unknown; type: unknown } } };
    assert.deepEqual([asked.payload.properties.kind, asked.payload.properties.type], [{ const: 'request' }, { const: request.type }]);
    const answers = operation.reply!.messages.map((ref) => resolveRef(document, ref.$ref) as { payload: { properties?: { kind?: unknown }; $ref?: string } });
    assert.deepEqual(answers[0]!.payload.properties!.kind, { const: 'result' });
    assert.equal(answers[1]!.payload.$ref, '#/components/schemas/errorFrame');
  }
  for (const command of commands) {
    const operation = operationFor(document, 'send', command.type);
    assert.equal(operation.messages.length, 1);
    const sent = resolveRef(document, operation.messages[0]!.$ref) as { payload: { properties: { type: unknown } } };
    assert.deepEqual(sent.payload.properties.type, { const: command.type });
    const replies = operation.reply!.messages.map((ref) => resolveRef(document, ref.$ref) as { payload: { properties?: { kind?: unknown }; $ref?: string } });
    assert.deepEqual(replies[0]!.payload.properties!.kind, { const: 'result' });
    assert.equal(replies[1]!.payload.$ref, '#/components/schemas/errorFrame');
  }
  for (const event of events) {
    const operation = Object.values(document.operations).find((candidate) => candidate.action === 'receive' && candidate.title === event.type && candidate.reply === undefined)!;
    const received = resolveRef(document, operation.messages[0]!.$ref) as { payload: { properties: { kind: unknown; type: unknown } } };
    assert.deepEqual(received.payload.properties.kind, { const: 'event' });
    assert.deepEqual(received.payload.properties.type, { const: event.type });
  }
}

describe('app.asyncapi()', () => {
  it('describes the demo application, its declared events and the built-in ones, and @asyncapi/parser finds no error', async () => {
    const app = await createDemoApp({ logger: testLogger() });
    const document = app.asyncapi({ title: 'Switchyard demo', version: '1.0.0' });
    const findings = await parseAsyncApi(document);
    assert.deepEqual(findings.errors, []);
    assert.equal(document.asyncapi, '3.0.0');
    const commands = app.bus.commands();
    // Loaded from demo/handlers/, in the order of the file names; then the built-ins (the demo has recovery on).
    assert.deepEqual(commands.map((command) => command.type), ['cart.addItem', 'cart.get', 'chat.say', 'echo', 'room.join', 'room.leave', 'room.stats', 'session.reauth', 'session.resume']);
    assertComplete(document, commands, [SessionConnected, SessionDraining, SessionResumed, RoomJoined, RoomLeft, ChatMessage, CartUpdated], [RoomState]);
    for (const command of commands) {
      const sent = operationFor(document, 'send', command.type).messages[0]!.$ref;
      if (command.schema !== undefined) assert.deepEqual(payloadSchemaOf(document, sent), draft07(command.schema, 'input'), command.type);
    }
    assert.deepEqual(payloadSchemaOf(document, operationFor(document, 'receive', 'chat.message').messages[0]!.$ref), draft07(ChatMessage.schema, 'output'));
    // Recovery's built-ins are described, not left as TypeScript-only types.
    assert.deepEqual((payloadSchemaOf(document, operationFor(document, 'send', 'session.resume').messages[0]!.$ref) as { required: string[] }).required, ['token']);
    assert.deepEqual((payloadSchemaOf(document, operationFor(document, 'receive', 'session.resumed').messages[0]!.$ref) as { required: string[] }).required, ['recovered', 'rooms', 'replayed', 'resume']);
    const error = document.components.schemas['error'] as { properties: { code: { enum: string[] } } };
    assert.deepEqual(error.properties.code.enum, Object.values(ErrorCode));
    await app.close();
  });

  it('takes payload schemas as inputs and result and event schemas as outputs, in the v1 envelope', async () => {
    const app = new Switchyard({ logger: testLogger() });
    app.register(RoomJoin, ({ room }) => ({ room, members: [] })).register(Ping, ({ at }) => ({ pong: at })).register(Forget, () => undefined);
    app.publishes(RoomClosed, Tick);
    const document = app.asyncapi({ title: 'Rooms', version: '2.1.0', description: 'Rooms.', servers: { prod: { host: 'rooms.example.com', protocol: 'wss', pathname: '/ws' } } });
    assert.deepEqual((await parseAsyncApi(document)).errors, []);
    assertComplete(document, [RoomJoin, Ping, Forget], [SessionConnected, SessionDraining, RoomClosed, Tick]);
    assert.deepEqual(document.info, { title: 'Rooms', version: '2.1.0', description: 'Rooms.' });
    assert.deepEqual(document.servers, { prod: { host: 'rooms.example.com', protocol: 'wss', pathname: '/ws' } });

    const join = operationFor(document, 'send', 'room.join');
    const command = resolveRef(document, join.messages[0]!.$ref) as { payload: Record<string, unknown> };
    assert.deepEqual(command.payload, {
      type: 'object',
      required: ['type', 'payload'],
      properties: { type: { const: 'room.join' }, id: { $ref: '#/components/schemas/commandId' }, payload: { $ref: '#/components/schemas/command.room.join' } },
    });
    assert.deepEqual(resolveRef(document, '#/components/schemas/command.room.join'), {
      type: 'object',
      properties: { room: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string' } },
      required: ['room'],
    });
    assert.deepEqual(payloadSchemaOf(document, join.reply!.messages[0]!.$ref), draft07(RoomJoin.resultSchema, 'output'));
    assert.deepEqual(payloadSchemaOf(document, operationFor(document, 'receive', 'room.closed').messages[0]!.$ref), draft07(RoomClosed.schema, 'output'));
    const errorCode = resolveRef(document, '#/components/schemas/error/properties/code') as { enum: string[]; description: string };
    assert.deepEqual(errorCode.enum, Object.values(ErrorCode));
    for (const code of Object.values(ErrorCode)) assert.match(errorCode.description, new RegExp(`\`${code}\`: \\w`));
    const channel = document.channels['session']!;
    assert.deepEqual(channel['x-close-codes'].map(({ code }) => code), Object.values(CloseCode));
    for (const code of Object.values(CloseCode)) assert.match(channel.description, new RegExp(`\\| ${code} \\|`));
    await app.close();
  });

  it('still yields a valid document for typed<T>() commands and events: an empty schema that says the type is TypeScript-only', async () => {
    const app = new Switchyard({ logger: testLogger() }).register(Ping, ({ at }) => ({ pong: at })).publishes(Tick);
    const document = app.asyncapi({ title: 'Typed', version: '1' });
    assert.deepEqual((await parseAsyncApi(document)).errors, []);
    const ping = operationFor(document, 'send', 'ping');
    for (const schema of [payloadSchemaOf(document, ping.messages[0]!.$ref), payloadSchemaOf(document, ping.reply!.messages[0]!.$ref), payloadSchemaOf(document, operationFor(document, 'receive', 'tick').messages[0]!.$ref)]) {
      assert.deepEqual(Object.keys(schema as object), ['description']);
      assert.match((schema as { description: string }).description, /typed<T>\(\).*TypeScript only/);
    }
    const sent = resolveRef(document, ping.messages[0]!.$ref) as { payload: { required: string[] } };
    assert.deepEqual(sent.payload.required, ['type'], 'an unvalidated payload may be left out');
    await app.close();
  });

  it('documents the built-in events and the built-in session.reauth, always', async () => {
    const app = new Switchyard({ logger: testLogger() });
    const document = app.asyncapi({ title: 'Bare', version: '1' });
    assert.deepEqual((await parseAsyncApi(document)).errors, []);
    assertComplete(document, [SessionReauth], [SessionConnected, SessionDraining]);
    const draining = payloadSchemaOf(document, operationFor(document, 'receive', 'session.draining').messages[0]!.$ref);
    assert.deepEqual(draining, { type: 'object', required: ['retryAfterMs'], properties: { retryAfterMs: { type: 'integer', minimum: 0, description: 'A per-connection random delay within the drain deadline.' } } });
    const reauth = operationFor(document, 'send', 'session.reauth');
    assert.deepEqual((payloadSchemaOf(document, reauth.messages[0]!.$ref) as { required: string[] }).required, ['token']);
    assert.deepEqual((payloadSchemaOf(document, reauth.reply!.messages[0]!.$ref) as { required: string[] }).required, ['user', 'expiresAt']);

    // Registering it yourself replaces the built-in, and it is documented once.
    app.register(SessionReauth, reauthHandler(jwtAuthenticator({ secret: 'a-secret-of-at-least-32-characters!!' })));
    const replaced = app.asyncapi({ title: 'Bare', version: '1' });
    assert.equal(Object.values(replaced.operations).filter((operation) => operation.action === 'send' && JSON.stringify(operation).includes('session.reauth')).length, 1);
    await app.close();
  });

  it('keeps a recursive schema and shared definitions resolvable once moved into components', async () => {
    interface Tree {
      name: string;
      children: Tree[];
    }
    const TreeSchema: z.ZodType<Tree> = z.object({ name: z.string(), children: z.array(z.lazy(() => TreeSchema)) });
    const Point = z.object({ x: z.number(), y: z.number() }).meta({ id: 'Point' });
    const Plant = defineCommand('tree.plant', { payload: TreeSchema, result: z.object({ from: Point, to: Point }) });
    const app = new Switchyard({ logger: testLogger() }).register(Plant, () => ({ from: { x: 0, y: 0 }, to: { x: 1, y: 1 } }));
    const document = app.asyncapi({ title: 'Trees', version: '1' });
    assert.deepEqual((await parseAsyncApi(document)).errors, []);
    const refs = JSON.stringify(document.components.schemas).match(/"\$ref":"[^"]*"/g) ?? [];
    const local = refs.map((ref) => ref.slice(8, -1)).filter((ref) => ref !== '#/components/schemas/commandId' && ref !== '#/components/schemas/error');
    assert.ok(local.length >= 3, `the tree refers to itself and the result to Point twice: ${local.join(', ')}`);
    for (const ref of local) {
      assert.match(ref, /^#\/components\/schemas\/(command|result)\.tree\.plant/);
      assert.doesNotThrow(() => resolveRef(document, ref), ref);
    }
    assert.deepEqual(resolveRef(document, local.find((ref) => ref.includes('command.'))!), resolveRef(document, '#/components/schemas/command.tree.plant'));
    await app.close();
  });

  it('describes a schema JSON Schema cannot express, or one without a converter, instead of failing', async () => {
    const Stamp = defineCommand('stamp', {
      payload: z.object({ at: z.string().transform((text) => new Date(text)) }),
      result: z.object({ at: z.date() }),
    });
    const bare = { '~standard': { version: 1, vendor: 'handmade', validate: (value: unknown) => ({ value }) } } as const;
    const Handmade = defineCommand('handmade', { payload: bare });
    const app = new Switchyard({ logger: testLogger() }).register(Stamp, ({ at }) => ({ at })).register(Handmade, () => undefined);
    const document = app.asyncapi({ title: 'Odd', version: '1' });
    assert.deepEqual((await parseAsyncApi(document)).errors, []);
    assert.deepEqual(resolveRef(document, '#/components/schemas/command.stamp'), { type: 'object', properties: { at: { type: 'string' } }, required: ['at'] });
    assert.match((resolveRef(document, '#/components/schemas/result.stamp') as { description: string }).description, /output of this zod schema has no JSON Schema form \(Date cannot be represented/);
    assert.match((resolveRef(document, '#/components/schemas/command.handmade') as { description: string }).description, /handmade schema, which offers no JSON Schema/);
    await app.close();
  });

  it('gives every type a key that JSON pointers and component names accept, distinct even when types differ only there', async () => {
    const Slash = defineCommand('files/put it', { payload: typed<unknown>() });
    const Underscore = defineCommand('files_put_it', { payload: typed<unknown>() });
    const Same = defineEvent('files_put_it', typed<unknown>());
    const app = new Switchyard({ logger: testLogger() }).register(Slash, () => undefined).register(Underscore, () => undefined).publishes(Same);
    const document = app.asyncapi({ title: 'Keys', version: '1' });
    assert.deepEqual((await parseAsyncApi(document)).errors, []);
    assertComplete(document, [Slash, Underscore], [SessionConnected, SessionDraining, Same]);
    for (const key of [...Object.keys(document.operations), ...Object.keys(document.components.schemas)]) assert.match(key, /^[A-Za-z0-9._-]+$/);
    await app.close();
  });

  it('returns plain JSON, new on each call', () => {
    const app = new Switchyard({ logger: testLogger() }).register(RoomJoin, ({ room }) => ({ room, members: [] }));
    const first = app.asyncapi({ title: 'Rooms', version: '1' });
    assert.deepEqual(JSON.parse(JSON.stringify(first)), first);
    assert.notEqual(app.asyncapi({ title: 'Rooms', version: '1' }), first);
  });

  it('refuses options of the wrong type', () => {
    const app = new Switchyard({ logger: testLogger() });
    assert.throws(() => app.asyncapi({ version: '1' } as never), { name: 'TypeError', message: /"title" must be a non-empty string/ });
    assert.throws(() => app.asyncapi({ title: 'x', version: '' }), { name: 'TypeError', message: /"version"/ });
    assert.throws(() => app.asyncapi({ title: 'x', version: '1', servers: { prod: { host: 'h' } as never } }), { name: 'TypeError', message: /server "prod": "protocol"/ });
    assert.throws(() => app.asyncapi({ title: 'x', version: '1', errors: { FORBIDDEN: 'mine' } }), { name: 'TypeError', message: /"FORBIDDEN" is a built-in code/ });
    assert.throws(() => app.asyncapi({ title: 'x', version: '1', errors: { MINE: 1 as never } }), { name: 'TypeError', message: /error "MINE"/ });
  });
});

describe('app.publishes()', () => {
  it('declares an event once however often it is given, and refuses a second definition of one type', () => {
    const app = new Switchyard({ logger: testLogger() });
    app.publishes(Tick, Tick).publishes(Tick, SessionConnected);
    assert.deepEqual(Object.values(app.asyncapi({ title: 't', version: '1' }).operations).map((operation) => operation.title), ['session.reauth', 'session.connected', 'session.draining', 'tick']);
    const OtherTick = defineEvent('tick', typed<{ m: string }>());
    assert.throws(() => app.publishes(OtherTick), (error: unknown) => error instanceof SetupError && error.code === SetupErrorCode.DUPLICATE_EVENT && /"tick"/.test(error.message));
    const Impostor = defineEvent('session.connected', typed<unknown>());
    assert.throws(() => app.publishes(Impostor), { code: 'DUPLICATE_EVENT' });
    assert.throws(() => app.publishes({} as never), TypeError);
  });
});

describe('app.asks()', () => {
  it('lists what handlers ask clients, each with the answer it expects, and refuses a second definition of one type', async () => {
    const app = new Switchyard({ logger: testLogger() });
    app.asks(RoomJoin, RoomJoin).asks(Ping);
    const document = app.asyncapi({ title: 't', version: '1' });
    assert.deepEqual((await parseAsyncApi(document)).errors, []);
    assertComplete(document, [], [SessionConnected, SessionDraining], [RoomJoin, Ping]);
    const asked = operationFor(document, 'receive', 'room.join');
    assert.deepEqual(payloadSchemaOf(document, asked.messages[0]!.$ref), draft07(RoomJoin.schema, 'input'));
    assert.deepEqual(payloadSchemaOf(document, asked.reply!.messages[0]!.$ref), draft07(RoomJoin.resultSchema, 'input'));
    const OtherPing = defineCommand('ping', { payload: typed<unknown>() });
    assert.throws(() => app.asks(OtherPing), (error: unknown) => error instanceof SetupError && error.code === SetupErrorCode.DUPLICATE_EVENT && /"ping"/.test(error.message));
    assert.throws(() => app.asks({} as never), TypeError);
  });
});

describe('definitions keep their schemas for the contract', () => {
  it('keeps a result schema and an event schema on frozen definitions, and nothing for typed<T>()', () => {
    assert.ok(Object.isFrozen(RoomJoin) && Object.isFrozen(RoomClosed));
    assert.equal(RoomJoin.resultSchema?.['~standard'].vendor, 'zod');
    assert.equal(RoomClosed.schema?.['~standard'].vendor, 'zod');
    assert.equal(Ping.resultSchema, undefined);
    assert.equal(Tick.schema, undefined);
  });

  it('does not validate results against the result schema: it documents them', async () => {
    const Count = defineCommand('count', { payload: typed<unknown>(), result: z.object({ n: z.number() }) });
    const app = new Switchyard({ logger: testLogger() }).register(Count, () => ({ n: 'not a number' }) as never);
    const client = (await app.listen(new MemoryTransport())).connect();
    assert.deepEqual(await client.request(Count, null), { n: 'not a number' });
    await app.close();
  });
});
