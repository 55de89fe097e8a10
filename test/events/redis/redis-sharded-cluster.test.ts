import { useRedisCluster } from '../../support/redis-cluster.js';
import { describeThreeNodes } from '../../support/three-node-suite.js';

// Three masters, no replicas: sharded pub/sub and hash-tagged keys, across shards.
const redis = await useRedisCluster({ masters: 3 });

describeThreeNodes('three nodes on a 3-master Redis Cluster (sharded pub/sub)', redis.skip, () => ({ REDIS_URL: redis.skip === undefined ? redis.cluster.url : '' }));
