/** A Slurm task's place in the job, from the variables srun sets (torchrun's names on the right). */

export interface SlurmRank {
  readonly jobId: string;
  /** SLURM_PROCID -> RANK */
  readonly rank: number;
  /** SLURM_NTASKS -> WORLD_SIZE */
  readonly worldSize: number;
  /** SLURM_LOCALID -> LOCAL_RANK */
  readonly localRank: number;
  /** Tasks on this task's node (SLURM_TASKS_PER_NODE at SLURM_NODEID) -> LOCAL_WORLD_SIZE */
  readonly localWorldSize: number;
}

/** Not a Slurm task, or one whose variables make no sense. */
export class SlurmEnvironmentError extends Error {
  override readonly name = 'SlurmEnvironmentError';
}

/** Expands SLURM_TASKS_PER_NODE, e.g. "2(x3),1" -> [2, 2, 2, 1]. */
export function tasksPerNode(text: string): number[] {
  return text.split(',').flatMap((part) => {
    const m = /^(\d+)(?:\(x(\d+)\))?$/.exec(part.trim());
    if (!m) throw new SlurmEnvironmentError(`cannot read SLURM_TASKS_PER_NODE ${JSON.stringify(text)}`);
    return Array.from({ length: Number(m[2] ?? 1) }, () => Number(m[1]));
  });
}

/** @throws {SlurmEnvironmentError} */
export function slurmRank(env: NodeJS.ProcessEnv): SlurmRank {
  const int = (name: string) => {
    const v = Number(env[name]);
    if (env[name] === undefined || !Number.isInteger(v) || v < 0)
      throw new SlurmEnvironmentError(`${name} is ${JSON.stringify(env[name])}; run this inside a Slurm job step (srun)`);
    return v;
  };
  const rank = int('SLURM_PROCID');
  const worldSize = int('SLURM_NTASKS');
  const perNode = tasksPerNode(env['SLURM_STEP_TASKS_PER_NODE'] ?? env['SLURM_TASKS_PER_NODE'] ?? String(worldSize));
  const localWorldSize = perNode[int('SLURM_NODEID')] ?? 1;
  return { jobId: env['SLURM_JOB_ID'] ?? 'unknown', rank, worldSize, localRank: int('SLURM_LOCALID'), localWorldSize };
}
