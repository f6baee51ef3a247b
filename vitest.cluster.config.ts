import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: the relay, ingest, room and worker-crash tests against a 3-master Redis
 * Cluster (scripts/test-cluster.sh starts one unless REDIS_CLUSTER_NODES is set). One file at a
 * time: the crash test runs worker processes of its own.
 */
export default defineConfig({
  test: {
    include: [
      'test/integration/{delivery,outcomes,ordering-property,worker-crash,reconcile-jobs,classes-summary,ingest-journal,relay-smoke,school-self-service,alerts,crash-takeover,drain-linger}.test.ts',
      'test/integration/{rooms,meeting}-*.test.ts',
      'test/api/{events-ingest,rooms,schools-apps,tokens,tenant-isolation}.test.ts',
      'test/api/meeting-*.test.ts',
      'test/chaos/worker-crashes.test.ts',
    ],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
