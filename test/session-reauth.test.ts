/**
 * `session.reauth` is the application's built-in: verified by the
 * authenticator of the endpoint the connection came in on, replaced by a
 * handler the user registers, and safe against a disconnect in the middle.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { defineCommand, jwtAuthenticator, SessionReauth, Switchyard, typed, WebSocketTransport, type PresenceEntry } from '../src/index.js';
import { RedisPresence } from '../src/redis.js';
import { uniquePrefix, useRedis } from './support/redis.js';
import { eventually, serve, within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

const SECRET_A = 'endpoint-a-secret-that-is-long-enough-for-hs256';
const SECRET_B = 'endpoint-b-secret-that-is-long-enough-for-hs256';
const Whoami = defineCommand('whoami', { payload: typed<unknown>(), result: typed<unknown>() });
const Join = defineCommand('room.join', { payload: typed<{ room: string }>() });

function token(secret: string, sub: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(secret));
}

const whoIs = async (client: WsTestClient): Promise<string | null> => ((await client.exchange('whoami')).payload as { id: string } | null)?.id ?? null;

describe('session.reauth is verified by the endpoint the connection came in on', () => {
  // Regression: the first transport to start registered session.reauth with its own authenticator for the whole bus.
  it('refuses on endpoint B a token signed for endpoint A, and the other way round', { timeout: 10_000 }, async () => {
    const app = new Switchyard({ logger: pino({ level: 'silent' }) });
    app.register(Whoami, (_payload, ctx) => ctx.user ?? null);
    const a = await app.listen(new WebSocketTransport({ port: 0, authenticate: jwtAuthenticator({ secret: SECRET_A }) }));
    const b = await app.listen(new WebSocketTransport({ port: 0, authenticate: jwtAuthenticator({ secret: SECRET_B, optional: true }) }));
    try {
      const onB = await WsTestClient.connect(`ws://127.0.0.1:${b.address.port}/ws`);
      const attack = await onB.exchange('session.reauth', { token: await token(SECRET_A, 'mallory') });
      assert.equal(attack.error?.code, 'UNAUTHORIZED', "B does not take A's tokens");
      assert.equal(await whoIs(onB), null, 'still anonymous');
      assert.equal((await onB.exchange('session.reauth', { token: await token(SECRET_B, 'bob') })).kind, 'result');
      assert.equal(await whoIs(onB), 'bob', "B's own tokens sign in");

      const onA = await WsTestClient.connect(`ws://127.0.0.1:${a.address.port}/ws`, { headers: { authorization: `Bearer ${await token(SECRET_A, 'alice')}` } });
      assert.equal((await onA.exchange('session.reauth', { token: await token(SECRET_B, 'alice') })).error?.code, 'UNAUTHORIZED', "A does not take B's tokens");
      assert.equal((await onA.exchange('session.reauth', { token: await token(SECRET_A, 'alice') })).kind, 'result');
      await Promise.all([onA.close(), onB.close()]);
    } finally {
      await app.close();
    }
  });

  it('answers UNKNOWN_COMMAND on an endpoint that verifies no tokens', { timeout: 10_000 }, async () => {
    const { app, url } = await serve({ transport: { authenticate: () => ({ id: 'carol' }) } });
    try {
      const client = await WsTestClient.connect(url);
      assert.equal((await client.exchange('session.reauth', { token: await token(SECRET_A, 'carol') })).error?.code, 'UNKNOWN_COMMAND');
      // Regression: sent without an id, it was taken for a command that reached its handler, and its UNKNOWN_COMMAND was never sent.
      client.ws.send(JSON.stringify({ type: 'session.reauth', payload: { token: 'x' } }));
      const unsolicited = await client.waitFor((frame) => frame.kind === 'error' && frame.id === undefined, 'the UNKNOWN_COMMAND of a fire-and-forget session.reauth');
      assert.equal(unsolicited.error?.code, 'UNKNOWN_COMMAND');
      await client.close();
    } finally {
      await app.close();
    }
  });

  // Regression: registering it yourself after listen() threw DUPLICATE_HANDLER, as the transport had registered one.
  it('gives way to a handler the application registers after listen()', { timeout: 10_000 }, async () => {
    const { app, url } = await serve({ transport: { authenticate: jwtAuthenticator({ secret: SECRET_A, optional: true }) } });
    try {
      app.register(SessionReauth, ({ token: given }) => ({ user: { id: `custom:${given}` }, expiresAt: null }));
      const client = await WsTestClient.connect(url);
      const reply = await client.exchange('session.reauth', { token: 'anything' });
      assert.deepEqual(reply.payload, { user: { id: 'custom:anything' }, expiresAt: null });
      await client.close();
    } finally {
      await app.close();
    }
  });
});

const redis = await useRedis();

/** Redis presence that holds one chosen call until released, to close a connection in the middle of a reauth. */
class HeldPresence extends RedisPresence {
  #hold: { method: string; release: Promise<void>; reached: () => void } | undefined;

  /** Holds the next call of `method`; resolves `reached` when it comes, and lets it through on `release()`. */
  hold(method: 'disconnected' | 'connected' | 'joined'): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    let reached!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    this.#hold = { method, release: released, reached };
    return { reached: reachedPromise, release };
  }

  override async disconnected(connectionId: string): Promise<void> {
    await this.#gate('disconnected');
    return super.disconnected(connectionId);
  }

  override async connected(entry: PresenceEntry): Promise<void> {
    await this.#gate('connected');
    return super.connected(entry);
  }

  override async joined(room: string, entry: PresenceEntry): Promise<void> {
    await this.#gate('joined');
    return super.joined(room, entry);
  }

  async #gate(method: string): Promise<void> {
    const hold = this.#hold;
    if (hold?.method !== method) return;
    this.#hold = undefined;
    hold.reached();
    await hold.release;
  }
}

describe('a disconnect in the middle of session.reauth leaves no ghost in Redis presence', { skip: redis.skip }, () => {
  const url = redis.skip === undefined ? redis.url : '';
  for (const step of ['disconnected', 'connected', 'joined'] as const) {
    // Regression: identify() wrote the new identity to presence after the connection had closed and been removed.
    it(`when the socket closes while presence.${step}() of the reauth is on its way`, { timeout: 15_000 }, async (t) => {
      const presence = new HeldPresence({ url, keyPrefix: uniquePrefix('reauth-race') });
      t.after(() => presence.close());
      await within(presence.ready(), 5000, 'Redis presence to be ready');
      let reauthDone!: () => void;
      const reauthSettled = new Promise<void>((resolve) => (reauthDone = resolve));
      const { app, transport, url: wsUrl } = await serve({
        app: { presence },
        transport: { authenticate: jwtAuthenticator({ secret: SECRET_A, optional: true }) },
        setup: (app) => {
          app.use(async (ctx, next) => {
            try {
              return await next();
            } finally {
              if (ctx.type === 'session.reauth') reauthDone();
            }
          });
          app.register(Join, async ({ room }, ctx) => ctx.join(room));
        },
      });
      try {
        const client = await WsTestClient.connect(wsUrl);
        assert.equal((await client.exchange('room.join', { room: 'lobby' })).kind, 'result');
        assert.equal((await presence.members('lobby')).length, 1);

        const held = presence.hold(step);
        client.ws.send(JSON.stringify({ type: 'session.reauth', id: 'r', payload: { token: await token(SECRET_A, 'ghost') } }));
        await within(held.reached, 5000, `the reauth to reach presence.${step}()`);
        await client.close();
        await eventually(() => transport.connections === 0, 5000, 'the server to see the close');
        held.release();
        await within(reauthSettled, 5000, 'the reauth to finish');

        const ghosts: PresenceEntry[] = [...(await presence.sessions('ghost')), ...(await presence.members('lobby'))];
        assert.deepEqual(ghosts, [], 'the closed connection is nowhere in presence');
      } finally {
        await app.close();
      }
    });
  }
});
