import { defineConfig } from 'vitest/config';

/** `npm run test:chaos`: crashes, Redis restarts and faulty receivers, one file at a time. */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/setup/redis.ts'],
    fileParallelism: false,
  },
});
