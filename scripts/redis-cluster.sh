#!/usr/bin/env bash
# A throwaway 3-master Redis Cluster on loopback, for the cluster tests and local tries.
#   scripts/redis-cluster.sh start [first-port]   (default 7101: ports 7101-7103)
#   scripts/redis-cluster.sh stop  [first-port]
# Prints the REDIS_CLUSTER_NODES value on start. Data lives under ${TMPDIR:-/tmp}/classbell-cluster-<port>.
set -euo pipefail
action=${1:-start}
first=${2:-7101}
ports=("$first" "$((first + 1))" "$((first + 2))")
base="${TMPDIR:-/tmp}/classbell-cluster"

up() { redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG; }

case "$action" in
  start)
    for port in "${ports[@]}"; do
      if up "$port"; then continue; fi
      dir="$base-$port"
      rm -rf "$dir" && mkdir -p "$dir"
      redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
        --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout 5000 \
        --dir "$dir" --save "" --appendonly no --daemonize yes --logfile "$dir/redis.log"
    done
    for port in "${ports[@]}"; do
      for _ in $(seq 1 50); do up "$port" && break; sleep 0.1; done
      up "$port" || { echo "redis cluster node $port did not start" >&2; exit 1; }
    done
    if ! redis-cli -p "${ports[0]}" cluster info | grep -q 'cluster_state:ok'; then
      redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes >/dev/null
      for _ in $(seq 1 100); do
        ok=1
        for port in "${ports[@]}"; do
          redis-cli -p "$port" cluster info | grep -q 'cluster_state:ok' || ok=0
        done
        [ "$ok" = 1 ] && break
        sleep 0.1
      done
      [ "$ok" = 1 ] || { echo "redis cluster did not reach state ok" >&2; exit 1; }
    fi
    echo "127.0.0.1:${ports[0]},127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"
    ;;
  stop)
    for port in "${ports[@]}"; do
      redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
      rm -rf "$base-$port"
    done
    ;;
  *)
    echo "usage: $0 start|stop [first-port]" >&2
    exit 2
    ;;
esac
