#!/usr/bin/env bash
# CPU time and page faults of one rank of a 2-rank all-reduce loop, with the default environment and
# with @orquesta/collective's RECOMMENDED_RANK_ENV; with RECORD=1 also a perf profile of rank 0.
#   flock /tmp/orquesta-bench.lock bash tools/bench/allreduce-cpu.sh [BYTES] [REPEATS]   (RING=js: the TypeScript ring; default: native where built)
# Needs perf (Debian linux-perf) and a built tree (npx tsc -b tsconfig.build.json).
set -euo pipefail
cd "$(dirname "$0")/../.."
bytes=${1:-67108864}
repeats=${2:-30}
env_value=$(node -e "import('./packages/collective/dist/index.js').then((m) => console.log(m.RECOMMENDED_RANK_ENV.GLIBC_TUNABLES))")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
for mode in default recommended; do
  p0=$(free_port); p1=$(free_port)
  config() { echo "{\"rank\":$1,\"worldSize\":2,\"endpoints\":[\"tcp://127.0.0.1:$p0\",\"tcp://127.0.0.1:$p1\"],\"bytes\":$bytes,\"repeats\":$repeats,\"warmup\":5,\"compression\":\"none\",\"segmentBytes\":1048576,\"ring\":\"${RING:-auto}\"}"; }
  envs=()
  [ "$mode" = recommended ] && envs=(GLIBC_TUNABLES="$env_value")
  if [ "${RECORD:-0}" = 1 ]; then
    cmd0=(perf record -g -F 2000 -o "$out/perf-$mode.data" node apps/cli/bin/orquesta.js bench allreduce-rank --config "$(config 0)")
  else
    cmd0=(perf stat -x, -e task-clock,page-faults -o "$out/stat-$mode.txt" node apps/cli/bin/orquesta.js bench allreduce-rank --config "$(config 0)")
  fi
  env "${envs[@]}" "${cmd0[@]}" > "$out/times-$mode.json" 2> /dev/null &
  env "${envs[@]}" node apps/cli/bin/orquesta.js bench allreduce-rank --config "$(config 1)" > /dev/null
  wait
  median=$(node -e "const t=JSON.parse(require('fs').readFileSync('$out/times-$mode.json','utf8')).times.sort((a,b)=>a-b); console.log(t[t.length>>1].toFixed(2))")
  if [ "${RECORD:-0}" = 1 ]; then
    echo "== $mode: median ${median} ms"
    perf report -i "$out/perf-$mode.data" --no-children --sort comm,sym -g none --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -15 || true
  else
    cpu=$(grep task-clock "$out/stat-$mode.txt" | cut -d, -f1)
    faults=$(grep page-faults "$out/stat-$mode.txt" | cut -d, -f1)
    echo "$mode: bytes $bytes, $((repeats + 5)) all-reduces + setup: rank 0 CPU ${cpu} ms, page faults ${faults}, median ${median} ms"
  fi
done
