import { pino } from 'pino';
import { HttpTransport, Switchyard, WebSocketTransport, type AnyCommand, type EventDefinition, type EventPayloadOf, type Identity, type InputOf, type ResultOf, type ServerFrame, type SwitchyardOptions } from '../../src/index.js';
import { MemoryTransport } from '../../src/testing.js';
import { HttpTestClient } from './http-test-client.js';
import { WsTestClient } from './ws-test-client.js';

/** What the behaviour suite needs from a client, whatever carries its frames. */
export interface TestClient {
  readonly connectionId: string;
  readonly frames: ServerFrame[];
  request<C extends AnyCommand>(command: C, payload: InputOf<C>): Promise<ResultOf<C>>;
  send<C extends AnyCommand>(command: C, payload: InputOf<C>): void;
  sendRaw(text: string): void;
  waitFor(match: (frame: ServerFrame) => boolean): Promise<ServerFrame>;
  events<E extends EventDefinition>(event: E): EventPayloadOf<E>[];
  nextEvent<E extends EventDefinition>(event: E): Promise<EventPayloadOf<E>>;
  close(): void;
}

/** A running application and a way to connect clients to it. */
export interface Running {
  readonly app: Switchyard;
  connect(user?: Identity): Promise<TestClient>;
  close(): Promise<void>;
}

/** One way of serving the application: the suite runs once per harness. */
export interface Harness {
  readonly name: string;
  start(setup: (app: Switchyard) => void, options?: SwitchyardOptions): Promise<Running>;
}

/** A logger that writes nothing, unless LOG_LEVEL asks for output. */
export function testLogger(): pino.Logger {
  return pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });
}

const USER_HEADER = 'x-test-user';

export const websocketHarness: Harness = {
  name: 'WebSocket transport (real ws on 127.0.0.1)',
  async start(setup, options = {}) {
    const app = new Switchyard({ logger: testLogger(), ...options });
    setup(app);
    const transport = await app.listen(
      new WebSocketTransport({
        port: 0,
        authenticate: (request) => {
          const user = request.headers[USER_HEADER];
          return typeof user === 'string' ? { id: user } : undefined;
        },
      }),
    );
    const url = `ws://127.0.0.1:${transport.address.port}/ws`;
    const clients: WsTestClient<ServerFrame>[] = [];
    return {
      app,
      async connect(user) {
        const client = await WsTestClient.connect<ServerFrame>(url, user === undefined ? {} : { headers: { [USER_HEADER]: user.id } });
        clients.push(client);
        return client;
      },
      async close() {
        for (const client of clients) client.close();
        await app.close();
      },
    };
  },
};

export const httpHarness: Harness = {
  name: 'HTTP transport (POST /commands, Server-Sent Events on 127.0.0.1)',
  async start(setup, options = {}) {
    const app = new Switchyard({ logger: testLogger(), ...options });
    setup(app);
    const transport = await app.listen(
      new HttpTransport({
        port: 0,
        authenticate: (request) => {
          const user = request.headers[USER_HEADER];
          return typeof user === 'string' ? { id: user } : undefined;
        },
      }),
    );
    const base = `http://127.0.0.1:${transport.address.port}`;
    const clients: HttpTestClient[] = [];
    return {
      app,
      async connect(user) {
        const client = await HttpTestClient.connect(base, user === undefined ? {} : { headers: { [USER_HEADER]: user.id } });
        clients.push(client);
        return client;
      },
      async close() {
        for (const client of clients) client.close();
        await app.close();
      },
    };
  },
};

export const memoryHarness: Harness = {
  name: 'memory transport (no sockets)',
  async start(setup, options = {}) {
    const app = new Switchyard({ logger: testLogger(), ...options });
    setup(app);
    const memory = await app.listen(new MemoryTransport());
    return {
      app,
      async connect(user) {
        return memory.connect(user === undefined ? {} : { user });
      },
      close: () => app.close(),
    };
  },
};
