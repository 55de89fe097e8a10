import { useRedis } from '../../support/redis.js';
import { describeThreeNodes } from '../../support/three-node-suite.js';

const redis = await useRedis();
const url = (): string => (redis.skip === undefined ? redis.url : '');

describeThreeNodes('three nodes on one Redis (interest routing)', redis.skip, () => ({ REDIS_URL: url() }));
describeThreeNodes('three nodes on one Redis (broadcast routing)', redis.skip, () => ({ REDIS_URL: url(), ROUTING: 'broadcast' }));
