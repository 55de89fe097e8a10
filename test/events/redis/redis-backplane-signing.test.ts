import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { firstValueFrom, take, toArray } from 'rxjs';
import { RedisBackplane } from '../../../src/redis.js';
import type { EventEnvelope } from '../../../src/index.js';
import { uniquePrefix, useRedis } from '../../support/redis.js';
import { eventually, within } from '../../support/socket-harness.js';

const redis = await useRedis();

const KEY = randomBytes(32);

function url(): string {
  if (redis.skip !== undefined) throw new Error(redis.skip);
  return redis.url;
}

/** Signs as the docs describe the format, independently of the library's code. */
function sign(json: string, key: Uint8Array): string {
  return `s1.${createHmac('sha256', key).update(json).digest('base64url')}.${json}`;
}

function message(text: string): { json: string; envelope: EventEnvelope } {
  const envelope: EventEnvelope = { type: 'chat.message', payload: { text }, audience: { kind: 'room', id: 'lobby' } };
  return { json: JSON.stringify({ n: 'intruder', e: envelope }), envelope };
}

describe('signed backplane messages', { skip: redis.skip, timeout: 30_000 }, () => {
  const prefix = uniquePrefix('signing');
  const backplanes: RedisBackplane[] = [];
  let receiver: RedisBackplane;
  let sender: RedisBackplane;
  let intruder: Redis;

  before(async () => {
    if (redis.skip !== undefined) return;
    receiver = new RedisBackplane({ url: url(), keyPrefix: prefix, signingKey: KEY });
    sender = new RedisBackplane({ url: url(), keyPrefix: prefix, signingKey: new Uint8Array(KEY) });
    backplanes.push(receiver, sender);
    intruder = new Redis(url());
    await within(Promise.all(backplanes.map((backplane) => backplane.ready())), 5000, 'both backplanes to be ready');
    // Under interest routing, a node receives a room's events once it has a member there.
    await within(receiver.interest({ kind: 'room', id: 'lobby' }), 5000, 'the receiver to subscribe to the room');
  });

  after(async () => {
    intruder?.disconnect();
    await Promise.all(backplanes.map((backplane) => backplane.close()));
  });

  it('delivers events between nodes that share the key', async () => {
    const { envelope } = message('between nodes');
    const delivered = firstValueFrom(receiver.deliveries);
    sender.publish(envelope);
    assert.deepEqual(await within(delivered, 5000, 'the signed event'), envelope);
  });

  it('drops and counts forged messages from a client without the key, and delivers one signed with it', async () => {
    const before = receiver.stats.rejected;
    const unkeyed = new RedisBackplane({ url: url(), keyPrefix: prefix });
    backplanes.push(unkeyed);
    await within(unkeyed.ready(), 5000, 'the backplane without a key to be ready');
    const first = firstValueFrom(receiver.deliveries.pipe(take(1), toArray()));

    const forged = message('forged');
    await intruder.publish(`${prefix}events`, forged.json);
    await intruder.publish(`${prefix}events`, sign(forged.json, randomBytes(32)));
    await intruder.publish(`${prefix}events`, sign(forged.json, KEY).replace('forged', 'FORGED'));
    await intruder.publish(`${prefix}events`, `s1.${'A'.repeat(43)}.${forged.json}`);
    await intruder.publish(`${prefix}events`, 's1.');
    unkeyed.publish(forged.envelope);
    await eventually(() => receiver.stats.rejected - before === 6, 5000, 'six rejected messages');

    // Sent last on the same connection as the forgeries: had any been delivered, it would have come first.
    const genuine = message('signed by someone who holds the key');
    await intruder.publish(`${prefix}events`, sign(genuine.json, KEY));
    assert.deepEqual(await within(first, 5000, 'the genuine event'), [genuine.envelope]);
    assert.equal(receiver.stats.malformed, 0);
  });

  it('refuses a key shorter than 32 bytes, or of the wrong type', () => {
    assert.throws(() => new RedisBackplane({ url: url(), signingKey: 'x'.repeat(31) }), RangeError);
    assert.throws(() => new RedisBackplane({ url: url(), signingKey: new Uint8Array(31) }), RangeError);
    assert.throws(() => new RedisBackplane({ url: url(), signingKey: 42 as unknown as string }), TypeError);
  });
});
