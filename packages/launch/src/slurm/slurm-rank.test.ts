import { describe, expect, it } from 'vitest';
import { SlurmEnvironmentError, slurmRank, tasksPerNode } from './slurm-rank.js';

describe('Slurm task environment', () => {
  it('expands tasks per node', () => {
    expect(tasksPerNode('2(x3),1')).toEqual([2, 2, 2, 1]);
    expect(tasksPerNode('4')).toEqual([4]);
    expect(() => tasksPerNode('2(x)')).toThrow(SlurmEnvironmentError);
  });

  it('maps srun variables to the rank contract', () => {
    const env = { SLURM_JOB_ID: '17', SLURM_PROCID: '3', SLURM_NTASKS: '4', SLURM_LOCALID: '1', SLURM_NODEID: '1', SLURM_STEP_TASKS_PER_NODE: '2(x2)' };
    expect(slurmRank(env)).toEqual({ jobId: '17', rank: 3, worldSize: 4, localRank: 1, localWorldSize: 2 });
  });

  it('says what is missing outside a job step', () => {
    expect(() => slurmRank({})).toThrow(/SLURM_PROCID is undefined; run this inside a Slurm job step/);
  });
});
