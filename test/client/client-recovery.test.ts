/** The typed client resumes its session by itself (protocol v1.1), against a real server. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { SwitchyardClient } from '../../src/client/index.js';
import type { Switchyard } from '../../src/index.js';
import { eventually, within } from '../support/socket-harness.js';
import { connect, headerUser, Increment, serveWithRecovery, shout } from '../recovery/support.js';
import { Echo, Join, registerFixtures, Shouted } from '../support/fixtures.js';
import { serve } from '../support/socket-harness.js';

const fastRetry = { initialDelayMs: 10, maxDelayMs: 50, jitter: 0.5 };
const apps: Switchyard[] = [];
after(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

/** A `ws` WebSocket whose instances the test can reach, to drop their TCP connection. */
function trackedWebSocket(): { readonly WebSocket: typeof WebSocket; readonly sockets: WebSocket[]; drop(): void } {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      sockets.push(this);
    }
  }
  return {
    WebSocket: Tracked as unknown as typeof WebSocket,
    sockets,
    drop: () => (sockets.at(-1) as unknown as { _socket: { destroy(): void } })._socket.destroy(),
  };
}

function userHeader(user: string): { headers: Record<string, string> } {
  return { headers: { 'x-user': user } };
}

describe('SwitchyardClient with recovery', { timeout: 30_000 }, () => {
  it('resumes after a dropped connection: every event missed arrives once, in order, without onReconnect, and live events follow', async () => {
    const { app, url } = await serveWithRecovery();
    apps.push(app);
    const tracked = trackedWebSocket();
    let reconnects = 0;
    // The client sends the header through ws's options: a WebSocket class that adds it.
    class WithUser extends tracked.WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, userHeader('ada'));
      }
    }
    const client = new SwitchyardClient({ url, WebSocket: WithUser as never, reconnect: fastRetry, onReconnect: () => void reconnects++ });
    const texts: string[] = [];
    client.on(Shouted, (payload) => texts.push(payload.text));
    const { connectionId } = await client.ready();
    await client.request(Join, { room: 'lobby' });
    const bob = await connect(url, 'bob');
    await bob.exchange('test.join', { room: 'lobby' });
    await shout(bob, 'lobby', ['one']);
    await eventually(() => texts.length === 1, 5000, 'the first event');
    tracked.drop();
    await eventually(() => client.state !== 'open', 5000, 'the client to see the drop');
    await shout(bob, 'lobby', ['two', 'three', 'four']);
    await eventually(() => texts.length === 4, 5000, 'the missed events');
    await shout(bob, 'lobby', ['five']);
    await eventually(() => texts.length === 5, 5000, 'the live event');
    assert.deepEqual(texts, ['one', 'two', 'three', 'four', 'five']);
    assert.equal(reconnects, 0, 'onReconnect is for sessions that could not be resumed');
    assert.equal(client.session?.connectionId, connectionId, 'the resumed session keeps its id');
    await client.close();
    await bob.close();
  });

  it('sends a command whose reply was lost again with its id after the resume: it ran once, and the request resolves with its reply', async () => {
    const { app, url, runs } = await serveWithRecovery();
    apps.push(app);
    const tracked = trackedWebSocket();
    class WithUser extends tracked.WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, userHeader('cy'));
      }
    }
    const client = new SwitchyardClient({ url, WebSocket: WithUser as never, reconnect: fastRetry });
    await client.ready();
    const reply = client.request(Increment, { ms: 300 });
    await eventually(() => runs.count === 1, 5000, 'the command to start');
    tracked.drop();
    assert.equal(await within(reply, 5000, 'the reply'), 1);
    assert.equal(runs.count, 1, 'the retried command did not run again');
    assert.equal(await client.request(Increment, { ms: 1 }), 2);
    await client.close();
  });

  it('calls onReconnect when the session cannot be resumed (a restarted server), and fails the unanswered request with CONNECTION_LOST', async () => {
    const first = await serveWithRecovery();
    const port = Number(new URL(first.url).port);
    const tracked = trackedWebSocket();
    class WithUser extends tracked.WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, userHeader('di'));
      }
    }
    let reconnects = 0;
    const client = new SwitchyardClient({ url: first.url, WebSocket: WithUser as never, reconnect: fastRetry, onReconnect: () => void reconnects++ });
    await client.ready();
    const pending = client.request(Increment, { ms: 2000 });
    await eventually(() => first.runs.count === 1, 5000, 'the command to start');
    // Cut off at once: the command's reply never leaves the first server.
    await first.app.drain({ deadlineMs: 1 });
    const second = await serve({ app: { recovery: true }, transport: { port, authenticate: headerUser }, setup: (app) => void registerFixtures(app) });
    apps.push(second.app);
    await assert.rejects(within(pending, 10_000, 'the request to fail'), { code: 'CONNECTION_LOST' });
    await eventually(() => reconnects === 1, 10_000, 'onReconnect');
    assert.equal(await client.request(Echo, 'again'), 'again');
    await client.close();
  });
});
