/**
 * The half-open takeover race, at the presence: a session resumed on node B
 * keeps its connection id, and B writes its presence under that id; node A,
 * closing the old half-open connection late, must not delete B's entries.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RedisPresence } from '../../src/redis.js';
import { uniquePrefix, useRedis } from '../support/redis.js';
import { within } from '../support/socket-harness.js';

const redis = await useRedis();

describe('a late disconnect of a taken-over connection id', { skip: redis.skip, timeout: 20_000 }, () => {
  const opened: RedisPresence[] = [];
  after(async () => {
    for (const presence of opened) await presence.close();
  });

  async function presence(keyPrefix: string, nodeId: string): Promise<RedisPresence> {
    if (redis.skip !== undefined) throw new Error(redis.skip);
    const created = new RedisPresence({ url: redis.url, keyPrefix, nodeId, heartbeatMs: 60_000, presenceTtlMs: 120_000 });
    opened.push(created);
    await within(created.ready(), 5000, `presence ${nodeId} to be ready`);
    return created;
  }

  it('keeps the entries the resuming node wrote under the same connection id', async () => {
    const prefix = uniquePrefix('takeover-presence');
    const [a, b] = [await presence(prefix, 'a'), await presence(prefix, 'b')];
    const entry = { connectionId: 'node-a-1', userId: 'alice' };
    await a.connected(entry);
    await a.joined('lobby', entry);
    // The session resumes on node B, which takes the id and writes its presence before node A hears of the takeover.
    await b.connected(entry);
    await b.joined('lobby', entry);
    await a.disconnected(entry.connectionId);
    assert.deepEqual(await b.members('lobby'), [entry], 'the room still lists the resumed session');
    assert.deepEqual(await a.members('lobby'), [entry]);
    assert.deepEqual((await b.sessions('alice')).map((session) => session.connectionId), ['node-a-1']);
    // And node A still removes what is its own.
    await a.connected({ connectionId: 'node-a-2', userId: 'alice' });
    await a.joined('lobby', { connectionId: 'node-a-2', userId: 'alice' });
    await a.disconnected('node-a-2');
    assert.deepEqual(await b.members('lobby'), [entry]);
  });
});
