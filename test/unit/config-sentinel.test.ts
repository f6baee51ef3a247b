import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { sentinelOptions } from '../../src/lib/redis-sentinel.js';

const ADMIN_TOKEN = 'x'.repeat(20);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ADMIN_TOKEN, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('Sentinel and replica-wait configuration', () => {
  it('defaults to no Sentinel, master name mymaster, no WAIT and a 1000 ms wait limit', () => {
    const c = loadConfig({ ADMIN_TOKEN });
    expect(c).toMatchObject({ redisSentinels: undefined, redisSentinelName: 'mymaster', redisMinReplicasAck: 0, redisWaitTimeoutMs: 1000 });
    expect(sentinelOptions(c)).toBeUndefined();
  });

  it('reads the Sentinels, the master name and the wait settings', () => {
    const c = loadConfig({ ADMIN_TOKEN, REDIS_SENTINELS: '10.0.0.1:26379,sentinel-b:26380', REDIS_SENTINEL_NAME: 'classbell', REDIS_MIN_REPLICAS_ACK: '1', REDIS_WAIT_TIMEOUT_MS: '250' });
    expect(c.redisSentinels).toEqual([{ host: '10.0.0.1', port: 26379 }, { host: 'sentinel-b', port: 26380 }]);
    expect(c).toMatchObject({ redisSentinelName: 'classbell', redisMinReplicasAck: 1, redisWaitTimeoutMs: 250 });
  });

  it('takes the primary\'s credentials and database from REDIS_URL, not its host', () => {
    const c = loadConfig({ ADMIN_TOKEN, REDIS_URL: 'redis://app:s%3Acret@ignored:6379/3', REDIS_SENTINELS: '127.0.0.1:26379' });
    expect(sentinelOptions(c)).toMatchObject({
      sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'mymaster', role: 'master', username: 'app', password: 's:cret', db: 3,
    });
    expect(sentinelOptions(c)).not.toHaveProperty('host');
  });

  it('lists every bad value at once', () => {
    const problems = problemsOf({ REDIS_SENTINELS: '127.0.0.1,26379', REDIS_SENTINEL_NAME: 'my master', REDIS_MIN_REPLICAS_ACK: '-1', REDIS_WAIT_TIMEOUT_MS: 'soon', PORT: 'abc' });
    for (const name of ['REDIS_SENTINELS', 'REDIS_SENTINEL_NAME', 'REDIS_MIN_REPLICAS_ACK', 'REDIS_WAIT_TIMEOUT_MS', 'PORT']) {
      expect(problems.filter((p) => p.startsWith(`${name}:`)), name).toHaveLength(1);
    }
    expect(problems.find((p) => p.startsWith('REDIS_SENTINELS:'))).toContain('host:port');
  });

  it('refuses Sentinel or replica acknowledgements together with Redis Cluster', () => {
    const problems = problemsOf({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_SENTINELS: '127.0.0.1:26379', REDIS_MIN_REPLICAS_ACK: '1' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['REDIS_SENTINELS', 'REDIS_MIN_REPLICAS_ACK']);
    expect(problemsOf({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_MIN_REPLICAS_ACK: '0' })).toEqual([]);
  });
});
