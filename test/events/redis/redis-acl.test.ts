import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { firstValueFrom } from 'rxjs';
import { Redis } from 'ioredis';
import { createRedisScaleOut, type RedisScaleOut } from '../../../src/redis.js';
import type { EventEnvelope } from '../../../src/index.js';
import { useRedis } from '../../support/redis.js';
import { within } from '../../support/socket-harness.js';

// Its own redis-server: the test creates ACL users.
const redis = await useRedis({ dedicated: true });

/**
 * The ACL rules docs/scaling.md ("Security on a shared Redis") shows, word for
 * word: the commands Switchyard sends, on keys and channels under its prefix
 * only. A change to what Switchyard sends fails here before it fails a user.
 */
const TIGHT_RULES =
  'on >app-secret resetkeys ~app:* resetchannels &app:* -@all ' +
  '+ping +hello +auth +select +quit +info +client|setname ' +
  '+publish +subscribe +unsubscribe ' +
  '+get +set +del +pexpire +hset +hdel +hgetall +multi +exec +discard +eval +evalsha';
/** The broad form, also from the docs: everything but the dangerous commands, on the prefix only. */
const BROAD_RULES = 'on >other-secret resetkeys ~other:* resetchannels &other:* +@all -@dangerous +info';

describe('Switchyard as a Redis ACL user confined to its prefix', { skip: redis.skip, timeout: 60_000 }, () => {
  const port = redis.skip === undefined ? redis.server!.port : 0;
  const scaleOuts: RedisScaleOut[] = [];
  let admin: Redis;
  const warnings: unknown[] = [];
  const consoleWarn = console.warn;

  before(async () => {
    if (redis.skip !== undefined) return;
    admin = new Redis(redis.url);
    await admin.call('ACL', 'SETUSER', 'app', ...TIGHT_RULES.split(' '));
    await admin.call('ACL', 'SETUSER', 'other', ...BROAD_RULES.split(' '));
    // ioredis warns on the console when its ready check may not run INFO; the rules allow it, so nothing may be printed.
    console.warn = (...args: unknown[]) => void warnings.push(args);
  });

  after(async () => {
    console.warn = consoleWarn;
    await Promise.all(scaleOuts.map((scaleOut) => scaleOut.close()));
    admin?.disconnect();
  });

  for (const [user, secret, prefix] of [
    ['app', 'app-secret', 'app:'],
    ['other', 'other-secret', 'other:'],
  ] as const) {
    it(`carries events and presence across nodes as "${user}" (${user === 'app' ? 'the tight rules' : 'the broad rules'})`, async () => {
      const url = `redis://${user}:${secret}@127.0.0.1:${port}`;
      const [a, b] = ['a', 'b'].map((nodeId) => createRedisScaleOut({ url, keyPrefix: prefix, nodeId: `${user}-${nodeId}`, heartbeatMs: 50, presenceTtlMs: 200 })) as [
        RedisScaleOut,
        RedisScaleOut,
      ];
      scaleOuts.push(a, b);
      await within(Promise.all([a.ready(), b.ready()]), 5000, `both nodes to be ready as ${user}`);

      const delivered = firstValueFrom(b.backplane.deliveries);
      const envelope: EventEnvelope = { type: 'acl.check', payload: { ok: true }, audience: { kind: 'all' } };
      a.backplane.publish(envelope);
      assert.deepEqual(await within(delivered, 5000, 'the event on the other node'), envelope);

      await a.presence.connected({ connectionId: 'c-1', userId: 'ann' });
      await a.presence.joined('lobby', { connectionId: 'c-1', userId: 'ann' });
      assert.deepEqual(await b.presence.members('lobby'), [{ connectionId: 'c-1', userId: 'ann' }]);
      assert.deepEqual(await b.presence.sessions('ann'), [{ connectionId: 'c-1', userId: 'ann' }]);
      await a.presence.left('lobby', 'c-1');
      assert.deepEqual(await b.presence.members('lobby'), []);
      assert.deepEqual(warnings, [], 'ioredis printed nothing');
    });

    it(`keeps "${user}" out of everything outside ${prefix}*`, async () => {
      const client = new Redis(`redis://${user}:${secret}@127.0.0.1:${port}`, { maxRetriesPerRequest: 1 });
      const subscriber = client.duplicate();
      try {
        const refused = { message: /NOPERM/ };
        await assert.rejects(client.get('switchyard:node:x'), refused, 'read a key of another prefix');
        await assert.rejects(client.set('elsewhere', '1'), refused, 'write a key of another prefix');
        await assert.rejects(client.hgetall('switchyard:room:lobby'), refused, 'read another application’s presence');
        await assert.rejects(client.publish('switchyard:events', '{}'), refused, 'publish on another prefix');
        await assert.rejects(subscriber.subscribe('switchyard:events'), refused, 'subscribe on another prefix');
        await assert.rejects(client.call('FLUSHALL'), refused, 'flush the whole Redis');
        await assert.rejects(client.call('KEYS', '*'), refused, 'list every key');
        await assert.rejects(client.eval("return redis.call('GET', 'elsewhere')", 0), /NOPERM|can't access/, 'reach another key from a script');
        assert.equal(await client.publish(`${prefix}events`, 'null'), 2, 'its own channel is open to it');
      } finally {
        client.disconnect();
        subscriber.disconnect();
      }
    });
  }
});
