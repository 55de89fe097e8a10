import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { RedisCartStore } from '../../demo/cart/redis-cart-store.js';
import { startDemoServer } from '../../demo/demo-server.js';
import { connectDemoClient } from '../support/demo-client.js';
import { useRedis } from '../support/redis.js';

const redis = await useRedis();
const logger = pino({ level: 'silent' });

describe('carts in Redis', { skip: redis.skip ?? false, timeout: 30_000 }, () => {
  const url = redis.skip === undefined ? redis.url : '';

  it('a server restart loses no cart', async () => {
    const user = `restart-${randomUUID()}`;
    const first = await startDemoServer({ port: 0, redisUrl: url, logger });
    const client = await connectDemoClient(first.wsUrl, user);
    const cart = await client.request('cart.addItem', { itemId: 'shirt', quantity: 2, color: 'blue', size: 'M' });
    await client.close();
    await first.close();

    const second = await startDemoServer({ port: 0, redisUrl: url, logger });
    const again = await connectDemoClient(second.wsUrl, user);
    try {
      assert.deepEqual(await again.request('cart.get', {}), cart);
      assert.equal(cart.totalQuantity, 2);
    } finally {
      await again.close();
      await second.close();
    }
  });

  it('concurrent adds to one line all count', async () => {
    const store = new RedisCartStore({ url, keyPrefix: `test:${randomUUID()}:` });
    try {
      await Promise.all(Array.from({ length: 20 }, () => store.addItem('ada', { itemId: 'tea', quantity: 1 })));
      assert.deepEqual(await store.get('ada'), { userId: 'ada', lines: [{ itemId: 'tea', quantity: 20 }], totalQuantity: 20 });
    } finally {
      await store.close();
    }
  });
});
