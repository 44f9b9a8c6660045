import { describe, expect, it } from 'vitest';
import { slurmJobUpdate } from './slurm-job-update.js';

const job = (state: string, restarts = 0, reason = 'None') => ({ id: '7', state, restarts, reason, nodes: 'node[1-2]' });

describe('Slurm job updates', () => {
  it('reads running, requeued and ended jobs', () => {
    expect(slurmJobUpdate('7', job('RUNNING'), 0, 1000)).toEqual({ running: true });
    expect(slurmJobUpdate('7', job('PENDING', 1, 'BeginTime'), 0, 1000)).toEqual({ requeued: 1, running: false });
    expect(slurmJobUpdate('7', job('FAILED', 0, 'NonZeroExitCode'), 0, 1000)).toEqual({
      running: false,
      ended: { state: 'FAILED', cause: 'Slurm job 7 ended FAILED (NonZeroExitCode)' },
    });
    expect(slurmJobUpdate('7', job('COMPLETED'), 0, 1000).ended?.cause).toBe('Slurm job 7 ended COMPLETED');
  });

  it('reads a requeue seen together with an end state as the requeue only; the next answer ends it', () => {
    expect(slurmJobUpdate('7', job('COMPLETED', 1), 0, 1000)).toEqual({ requeued: 1, running: false });
    expect(slurmJobUpdate('7', job('COMPLETED', 1), 1, 1000).ended?.state).toBe('COMPLETED');
  });

  it('takes a job squeue forgot as gone only after a while', () => {
    expect(slurmJobUpdate('7', undefined, 0, 5000)).toEqual({ running: false });
    expect(slurmJobUpdate('7', undefined, 0, 31_000).ended?.state).toBe('VANISHED');
  });
});
