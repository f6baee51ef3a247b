import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({ ADMIN_TOKEN: 'x'.repeat(20) });
    expect(c).toMatchObject({ port: 8080, redisUrl: 'redis://127.0.0.1:6379', deliveryTimeoutMs: 10_000, summaryDelayS: 1200, roomEmptyTtlS: 3600, logLevel: 'info', allowPrivateEndpoints: false });
    expect(c.retryScheduleMs).toEqual([1000, 2000, 5000, 10_000]);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PORT: 'abc', RETRY_SCHEDULE: '1s,2x', ALLOW_PRIVATE_ENDPOINTS: 'maybe', AGORA_APP_ID: '970CA35de60c44645bbae8a215061b33' });
      expect.unreachable('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const text = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'RETRY_SCHEDULE', 'ALLOW_PRIVATE_ENDPOINTS', 'ADMIN_TOKEN', 'AGORA_APP_CERTIFICATE']) expect(text).toContain(name);
    }
  });

  it('needs no ADMIN_TOKEN in development and parses schedules with units', () => {
    const c = loadConfig({ NODE_ENV: 'development', RETRY_SCHEDULE: '500ms,1m,1h', REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001' });
    expect(c.retryScheduleMs).toEqual([500, 60_000, 3_600_000]);
    expect(c.redisClusterNodes).toEqual([{ host: '127.0.0.1', port: 7000 }, { host: '127.0.0.1', port: 7001 }]);
  });

  it('reads TRUST_PROXY as express does (hops, true/false, addresses and subnets) and refuses anything else', () => {
    const trust = (value: string) => loadConfig({ ADMIN_TOKEN: 'x'.repeat(20), TRUST_PROXY: value }).trustProxy;
    expect(trust('1')).toBe(1);
    expect(trust('true')).toBe(true);
    expect(trust('false')).toBe(false);
    expect(trust('loopback, 10.0.0.0/8,2001:db8::/32, 192.0.2.7')).toEqual(['loopback', '10.0.0.0/8', '2001:db8::/32', '192.0.2.7']);
    for (const bad of ['yes', '1.5', '10.0.0.0/33', 'loopback,proxy.example', '-1']) {
      expect(() => trust(bad)).toThrow(ConfigError);
      expect(() => trust(bad)).toThrow(/TRUST_PROXY/);
    }
  });
});
