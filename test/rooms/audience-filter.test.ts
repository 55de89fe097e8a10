import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, describe, it } from 'node:test';
import { defineCommand, defineEvent, to, typed, type Identity, type Switchyard } from '../../src/index.js';
import { matchesIdentity } from '../../src/events/identity-filter.js';
import { readBackplaneMessage } from '../../src/events/redis/backplane-message.js';
import { createRedisScaleOut } from '../../src/redis.js';
import { serve, within } from '../support/socket-harness.js';
import { WsTestClient } from '../support/ws-test-client.js';
import { uniquePrefix, useRedis } from '../support/redis.js';

const Notice = defineEvent('test.notice', typed<{ text: string }>());
const Join = defineCommand('room.join', { payload: typed<{ room: string }>(), result: typed<null>() });
/** Publishes a notice to the audience the test names, built with to.*().where(). */
const Announce = defineCommand('announce', { payload: typed<{ text: string; to: 'all-moderators' | 'room-staff' | 'room-moderators-but-me' }>(), result: typed<null>() });

/** `?user=name&roles=a,b&level=3` as the identity: enough to filter on. */
function authenticate(request: IncomingMessage): Identity | undefined {
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
  const id = query.get('user');
  if (id === null) return undefined;
  return { id, roles: (query.get('roles') ?? '').split(',').filter(Boolean), level: Number(query.get('level') ?? 0) };
}

function setup(app: Switchyard): void {
  app.register(Join, async ({ room }, ctx) => {
    await ctx.join(room);
    return null;
  });
  app.register(Announce, ({ text, to: target }, ctx) => {
    const audience =
      target === 'all-moderators'
        ? to.all().where({ roles: 'moderator' })
        : target === 'room-staff'
          ? to.room('ops').where({ roles: ['moderator', 'admin'], level: 3 })
          : to.room('ops').except(ctx.connectionId).where({ roles: 'moderator' });
    ctx.publish(Notice, { text }, audience);
    return null;
  });
}

describe('identity filters as data', () => {
  it('matches equal values, arrays holding the value, any of several values, every field; never an anonymous connection', () => {
    const mod: Identity = { id: 'm', roles: ['moderator'], level: 3, verified: true };
    assert.equal(matchesIdentity(mod, { roles: 'moderator' }), true);
    assert.equal(matchesIdentity(mod, { roles: ['admin', 'moderator'] }), true);
    assert.equal(matchesIdentity(mod, { roles: 'moderator', level: 3, verified: true }), true);
    assert.equal(matchesIdentity(mod, { roles: 'moderator', level: 4 }), false);
    assert.equal(matchesIdentity(mod, { level: '3' }), false, 'types are not coerced');
    assert.equal(matchesIdentity(mod, { id: 'm' }), true);
    assert.equal(matchesIdentity(undefined, { roles: 'moderator' }), false);
  });

  it('is refused by where() unless it is plain data, and survives the backplane\'s checks only as such', () => {
    assert.throws(() => to.all().where({ roles: (() => true) as never }), TypeError);
    assert.throws(() => to.all().where({}), TypeError);
    assert.throws(() => to.all().where({ roles: [] }), TypeError);
    const audience = to.room('ops').except('c1').where({ roles: ['moderator'], level: 3 });
    assert.deepEqual(JSON.parse(JSON.stringify(audience)), { kind: 'room', id: 'ops', exclude: 'c1', filter: { roles: ['moderator'], level: 3 } });
    const message = (filter: unknown): unknown => ({ n: 'node', e: { type: 'x', payload: null, audience: { kind: 'all', filter } } });
    assert.deepEqual(readBackplaneMessage(message({ roles: 'moderator' }))?.e.audience, { kind: 'all', filter: { roles: 'moderator' } });
    assert.equal(readBackplaneMessage(message({ roles: { $ne: 1 } })), undefined, 'an operator object is not a value');
    assert.equal(readBackplaneMessage(message('moderator')), undefined);
  });
});

const redis = await useRedis();

describe('filtered audiences across two nodes on Redis', { skip: redis.skip, timeout: 30_000 }, () => {
  const url = redis.skip === undefined ? redis.url : '';
  const opened: Array<{ close(): Promise<unknown> }> = [];
  after(async () => {
    for (const item of opened.reverse()) await item.close();
  });

  it('delivers to.all().where() and to.room().where().except() to exactly the matching connections on both nodes', async () => {
    const prefix = uniquePrefix('audience-filter');
    const nodes = await Promise.all(
      [0, 1].map(async () => {
        const scaleOut = createRedisScaleOut({ url, keyPrefix: prefix });
        opened.push(scaleOut);
        await within(scaleOut.ready(), 5000, 'Redis to be ready');
        const served = await serve({ app: { backplane: scaleOut.backplane, presence: scaleOut.presence }, transport: { authenticate }, setup });
        opened.push(served.app);
        return served.url;
      }),
    );
    const people = {
      modA: 'user=mo&roles=moderator&level=3',
      adminB: 'user=ad&roles=admin&level=3',
      juniorModB: 'user=jm&roles=moderator&level=1',
      memberA: 'user=me&roles=member&level=3',
      anonymousB: '',
      modB: 'user=mb&roles=moderator,member&level=3',
    } as const;
    const clients = Object.fromEntries(
      await Promise.all(
        Object.entries(people).map(async ([name, query], index) => {
          const client = await WsTestClient.connect(`${nodes[index % 2]!}${query === '' ? '' : `?${query}`}`);
          opened.push(client);
          await client.exchange('room.join', { room: 'ops' });
          return [name, client] as const;
        }),
      ),
    ) as Record<keyof typeof people, WsTestClient>;

    /**
     * Sends an announcement from `sender`, then waits until every moderator has seen a marker the same sender sent
     * after it, so absences are final. From the same node, the marker takes the announcement's path and cannot pass it;
     * from another node it could (events of different nodes have no order between them).
     */
    async function announce(sender: WsTestClient, target: string, text: string): Promise<string[]> {
      await sender.exchange('announce', { text, to: target });
      await sender.exchange('announce', { text: `${text}:end`, to: 'all-moderators' });
      const moderators = [clients.modA, clients.juniorModB, clients.modB];
      await Promise.all(moderators.map((client) => client.waitFor((frame) => (frame.payload as { text?: string } | undefined)?.text === `${text}:end`, `${text}:end`)));
      return Object.entries(clients)
        .filter(([, client]) => client.frames.some((frame) => frame.type === 'test.notice' && (frame.payload as { text: string }).text === text))
        .map(([name]) => name)
        .sort();
    }

    assert.deepEqual(await announce(clients.memberA, 'all-moderators', 'one'), ['juniorModB', 'modA', 'modB']);
    assert.deepEqual(await announce(clients.memberA, 'room-staff', 'two'), ['adminB', 'modA', 'modB']);
    assert.deepEqual(await announce(clients.modA, 'room-moderators-but-me', 'three'), ['juniorModB', 'modB']);
  });
});
