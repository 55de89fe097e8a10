import { useRedis } from '../../support/redis.js';
import { describeNodeDeath } from '../../support/node-death-suite.js';

const redis = await useRedis();

describeNodeDeath('a node killed without cleanup', redis.skip, () => ({ REDIS_URL: redis.skip === undefined ? redis.url : '' }));
