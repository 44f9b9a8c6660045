#!/usr/bin/env bash
# A local Slurm cluster for tests: munged, slurmctld and NODES emulated slurmd nodes on this machine
# (Debian's Slurm is built with MULTIPLE_SLURMD), each with CPUS CPUs and GPUS fake GPUs (character
# devices that Slurm's GRES hands out through CUDA_VISIBLE_DEVICES). Everything listens on
# 127.0.0.1. Needs root and Debian's slurm-wlm and munge.
#
#   SLURM_DIR=/tmp/orquesta-slurm NODES=3 bash infra/slurm/slurm-up.sh
#   export SLURM_CONF=/tmp/orquesta-slurm/slurm.conf      # clients read this
#   SLURM_DIR=/tmp/orquesta-slurm bash infra/slurm/slurm-down.sh
#
# Variables: SLURM_DIR (/tmp/orquesta-slurm), NODES (3), CPUS (2), GPUS (2), CTLD_PORT (16817),
# NODE_PORT_BASE (17001). The directory is wiped first, so no old job comes back.
set -euo pipefail
D=${SLURM_DIR:-/tmp/orquesta-slurm}
NODES=${NODES:-3} CPUS=${CPUS:-2} GPUS=${GPUS:-2}
CTLD_PORT=${CTLD_PORT:-16817} NODE_PORT_BASE=${NODE_PORT_BASE:-17001}
command -v slurmctld >/dev/null || { echo "slurm-up.sh: slurmctld not found (apt-get install slurm-wlm munge)" >&2; exit 1; }
if [ -f "$D/slurmctld.pid" ] && kill -0 "$(cat "$D/slurmctld.pid")" 2>/dev/null; then
  echo "slurm-up.sh: a cluster already runs in $D; run slurm-down.sh first" >&2; exit 1
fi
rm -rf "$D"
mkdir -p "$D/state" "$D/log" "$D/dev"
for g in $(seq 0 $((GPUS - 1))); do mknod "$D/dev/gpu$g" c 1 3; done

# munge: the package created /etc/munge/munge.key; start munged unless it runs.
if ! pgrep -x munged >/dev/null; then
  install -d -o munge -g munge -m 755 /run/munge
  runuser -u munge -- /usr/sbin/munged
fi

{
  echo "ClusterName=orquesta"
  echo "SlurmctldHost=localhost(127.0.0.1)"
  echo "SlurmUser=root"
  echo "SlurmdUser=root"
  echo "AuthType=auth/munge"
  echo "CredType=cred/munge"
  echo "CommunicationParameters=NoCtldInAddrAny,NoInAddrAny"
  echo "SlurmctldPort=$CTLD_PORT"
  echo "SrunPortRange=60001-60100"
  echo "MpiDefault=none"
  echo "ProctrackType=proctrack/linuxproc"
  echo "TaskPlugin=task/none"
  echo "JobAcctGatherType=jobacct_gather/none"
  echo "AccountingStorageType=accounting_storage/none"
  echo "JobCompType=jobcomp/none"
  echo "SchedulerType=sched/backfill"
  echo "SchedulerParameters=batch_sched_delay=0,sched_min_interval=0"
  echo "SelectType=select/cons_tres"
  echo "SelectTypeParameters=CR_Core"
  echo "ReturnToService=2"
  echo "SlurmdTimeout=10"
  echo "MinJobAge=300"
  echo "StateSaveLocation=$D/state"
  echo "SlurmdSpoolDir=$D/spool-%n"
  echo "SlurmctldPidFile=$D/slurmctld.pid"
  echo "SlurmdPidFile=$D/slurmd-%n.pid"
  echo "SlurmctldLogFile=$D/log/slurmctld.log"
  echo "SlurmdLogFile=$D/log/slurmd-%n.log"
  echo "GresTypes=gpu"
  for i in $(seq 1 "$NODES"); do
    echo "NodeName=node$i NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((NODE_PORT_BASE + i - 1)) CPUs=$CPUS Sockets=1 CoresPerSocket=$CPUS ThreadsPerCore=1 RealMemory=4000 Gres=gpu:$GPUS State=UNKNOWN"
  done
  echo "PartitionName=debug Nodes=node[1-$NODES] Default=YES MaxTime=INFINITE State=UP"
} > "$D/slurm.conf"
{
  echo "AutoDetect=off"
  echo "NodeName=node[1-$NODES] Name=gpu File=$D/dev/gpu[0-$((GPUS - 1))]"
} > "$D/gres.conf"
export SLURM_CONF="$D/slurm.conf"

/usr/sbin/slurmctld -f "$SLURM_CONF"
for i in $(seq 1 "$NODES"); do /usr/sbin/slurmd -f "$SLURM_CONF" -N "node$i"; done
for _ in $(seq 1 100); do
  idle=$(sinfo -h -N -o '%N %t' 2>/dev/null | grep -c ' idle' || true)
  [ "$idle" -ge "$NODES" ] && { echo "slurm: $NODES node(s) idle; export SLURM_CONF=$SLURM_CONF"; exit 0; }
  sleep 0.1
done
echo "slurm-up.sh: nodes did not become idle:" >&2
sinfo -N >&2 || true
exit 1
