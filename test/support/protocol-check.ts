/**
 * The bench of the WebSocket protocol checks: a server with the fuzz
 * targets, undici bystanders connected all along, and the checks every case
 * ends with (how the raw connection was closed, that the server forgot it,
 * that the bystanders and the server are unaffected).
 */
import assert from 'node:assert/strict';
import type { Switchyard, WebSocketTransport, WebSocketTransportOptions } from '../../src/index.js';
import { FUZZ_MAX_DEPTH, registerFuzzTargets } from './fuzz-targets.js';
import { Opcode, RawWebSocket, type Ending } from './raw-websocket.js';
import { eventually, serve } from './socket-harness.js';
import { ThirdPartyClient } from './third-party-client.js';

/** A running server and the undici clients watching it. */
export interface ProtocolBench {
  readonly app: Switchyard;
  readonly transport: WebSocketTransport;
  readonly port: number;
  readonly url: string;
  readonly bystanders: readonly ThirdPartyClient[];
  /** Opens a raw connection and waits for its `session.connected`. */
  raw(): Promise<RawWebSocket>;
  /** Asserts the raw connection was closed by the server with `code`, cleanly, and is forgotten. */
  closedWith(raw: RawWebSocket, code: number | undefined, what: string): Promise<Ending>;
  /** Asserts the bystanders were never disturbed and the server still serves a new client. */
  stillServing(): Promise<void>;
  close(): Promise<void>;
}

let bystanderCalls = 0;

/** Starts a server (no heartbeat: raw clients answer pings only while read) with `bystanders` undici clients. */
export async function protocolBench(options: { bystanders?: number; transport?: WebSocketTransportOptions } = {}): Promise<ProtocolBench> {
  const { app, transport, url } = await serve({
    app: { limits: { rateLimit: false, perAddress: false, perUser: false, maxPendingCommands: 1024, maxPayloadDepth: FUZZ_MAX_DEPTH } },
    transport: { heartbeatIntervalMs: 0, ...options.transport },
    setup: registerFuzzTargets,
  });
  const port = transport.address.port;
  const bystanders = await Promise.all(Array.from({ length: options.bystanders ?? 2 }, () => ThirdPartyClient.connect(url, ['v1'])));
  const baseline = bystanders.length;
  return {
    app,
    transport,
    port,
    url,
    bystanders,
    async raw() {
      const raw = await RawWebSocket.open(port);
      await raw.next((frame) => frame.opcode === Opcode.TEXT && frame.payload.includes('session.connected'), 'session.connected');
      return raw;
    },
    async closedWith(raw, code, what) {
      const ending = await raw.end(`the server to close after ${what}`);
      assert.equal(ending.code, code, `${what}: closed with ${String(ending.code)} (${ending.reason}), expected ${String(code)}`);
      assert.deepEqual(raw.violations, [], `${what}: the server's own frames keep the protocol`);
      await eventually(() => transport.stats.connections === baseline, 5000, `the server to forget the connection closed after ${what}`);
      return ending;
    },
    async stillServing() {
      for (const bystander of bystanders) {
        const n = ++bystanderCalls;
        assert.equal((await bystander.request('echo', n)).payload, n, 'a bystander is still answered');
        assert.equal(bystander.ws.readyState, bystander.ws.OPEN, 'a bystander is still open');
      }
      const fresh = await ThirdPartyClient.connect(url);
      assert.equal((await fresh.request('echo', 'new')).payload, 'new', 'a new client is served');
      fresh.ws.close(1000);
      await fresh.closed;
      await eventually(() => transport.stats.connections === baseline, 5000, 'the server to forget the new client');
    },
    async close() {
      for (const bystander of bystanders) bystander.ws.close(1000);
      await app.close();
    },
  };
}
