#!/usr/bin/env bash
# Emulated hosts for tests and benchmarks: one Linux network namespace per host, each with an eth0
# veth whose peer sits on a bridge in a separate "switch" namespace (nothing is added to the root
# namespace), optionally with each host's egress shaped by a token bucket. Needs root and iproute2.
#
#   bash infra/netns/hosts-up.sh [--prefix oq] [--hosts 3] [--subnet 10.77.0] [--rate 1gbit]
#
# Hosts are PREFIXh1..PREFIXhN at SUBNET.1..N/24 (switch: PREFIXsw). Run a process on a host with
# `ip netns exec PREFIXh2 CMD` (or `nsenter --net=/run/netns/PREFIXh2 CMD` for daemons that need
# /sys, like slurmd). Take a link down with `ip -n PREFIXh2 link set eth0 down`.
# Remove everything with infra/netns/hosts-down.sh (same --prefix).
set -euo pipefail
prefix=oq hosts=3 subnet=10.77.0 rate=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --hosts) hosts=$2; shift 2 ;;
    --subnet) subnet=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "hosts-up.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ "$prefix" =~ ^[a-z0-9]{1,8}$ ]] || { echo "hosts-up.sh: --prefix must be 1-8 lowercase letters or digits" >&2; exit 2; }
[[ "$hosts" =~ ^[0-9]+$ && "$hosts" -ge 1 && "$hosts" -le 200 ]] || { echo "hosts-up.sh: --hosts must be 1-200" >&2; exit 2; }
sw="${prefix}sw"
if ip netns list | grep -qw "$sw"; then echo "hosts-up.sh: $sw exists; run hosts-down.sh --prefix $prefix first" >&2; exit 1; fi
trap 'bash "$(dirname "$0")/hosts-down.sh" --prefix "$prefix"' ERR
ip netns add "$sw"
ip -n "$sw" link add br0 type bridge
ip -n "$sw" link set br0 up
for i in $(seq 1 "$hosts"); do
  ns="${prefix}h$i"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link add eth0 type veth peer name "${prefix}v$i" netns "$sw"
  ip -n "$ns" addr add "$subnet.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$sw" link set "${prefix}v$i" master br0
  ip -n "$sw" link set "${prefix}v$i" up
  if [ -n "$rate" ]; then tc -n "$ns" qdisc add dev eth0 root tbf rate "$rate" burst 256kb latency 10ms; fi
  echo "$ns $subnet.$i"
done
