#!/usr/bin/env bash
# Runs vitest.cluster.config.ts against a Redis Cluster: REDIS_CLUSTER_NODES if set, otherwise a
# throwaway 3-master cluster on 127.0.0.1:7101-7103 (scripts/redis-cluster.sh), stopped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
started=""
if [ -z "${REDIS_CLUSTER_NODES:-}" ]; then
  REDIS_CLUSTER_NODES=$(scripts/redis-cluster.sh start)
  started=1
fi
export REDIS_CLUSTER_NODES
echo "Redis Cluster: $REDIS_CLUSTER_NODES"
status=0
npx vitest run --config vitest.cluster.config.ts "$@" || status=$?
if [ -n "$started" ]; then scripts/redis-cluster.sh stop; fi
exit "$status"
