#!/usr/bin/env bash
# Stops the local Slurm cluster of slurm-up.sh: cancels every job, then stops the slurmds and
# slurmctld by their pid files and waits for them.   SLURM_DIR=/tmp/orquesta-slurm bash infra/slurm/slurm-down.sh
set -uo pipefail
D=${SLURM_DIR:-/tmp/orquesta-slurm}
export SLURM_CONF="$D/slurm.conf"
[ -f "$SLURM_CONF" ] || exit 0
scancel --full --quiet "--user=$(id -un)" 2>/dev/null
sleep 0.5
pids=()
for f in "$D"/slurmd-*.pid "$D"/slurmctld.pid; do
  [ -f "$f" ] && pids+=("$(cat "$f")")
done
[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
for _ in $(seq 1 50); do
  alive=0
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ $alive -eq 0 ] && break
  sleep 0.1
done
for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
pkill -9 -f "slurmstepd: \[" 2>/dev/null
exit 0
