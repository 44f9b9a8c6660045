#!/usr/bin/env bash
# Removes the emulated hosts of hosts-up.sh: kills the processes inside them, then the namespaces.
#   bash infra/netns/hosts-down.sh [--prefix oq]
set -uo pipefail
prefix=oq
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    *) echo "hosts-down.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
for ns in $(ip netns list | awk '{print $1}' | grep -E "^${prefix}(h[0-9]+|sw)$"); do
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null
  ip netns del "$ns"
done
exit 0
