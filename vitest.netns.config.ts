import { defineConfig } from 'vitest/config';

/**
 * The tests that make classbell connect to forbidden endpoints (SSRF). They run only inside a
 * network namespace holding nothing but loopback, so a guard that fails sends nothing off the
 * machine: test/integration/ssrf-netns.test.ts starts them with `unshare -n` as part of `npm test`,
 * and the global setup refuses to run anywhere else. Redis is a private redis-server in the namespace.
 */
export default defineConfig({
  test: {
    include: ['test/netns/**/*.netns.ts'],
    globalSetup: ['test/netns/namespace-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
