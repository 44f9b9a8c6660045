import { describe, expect, it } from 'vitest';
import { StoreFixture } from '../testing/store-fixtures.js';
import type { TrialRow } from '../store/rows.js';
import { runOutcome } from './run-outcome.js';

const trial = (changes: Partial<TrialRow>): TrialRow => ({
  ...new StoreFixture().queue('e'),
  lastStep: 40,
  lastCheckpoint: 'runs/e/step-00000040',
  ...changes,
});

describe('runOutcome', () => {
  it('finishes a running trial whose workers all exited', () => {
    expect(runOutcome(trial({ state: 'running' }), 'finished')).toMatchObject({ to: 'succeeded', cause: 'finished at step 40', restart: false });
  });

  it('sends a running trial whose workers all stopped cleanly on a notice back to the queue as preempted, without counting a restart', () => {
    const outcome = runOutcome(trial({ state: 'running', restarts: 1, maxRestarts: 1 }), 'stopped');
    expect(outcome).toMatchObject({ to: 'preempted', restart: false, changes: { placement: null } });
    expect(outcome?.changes).not.toHaveProperty('restarts');
    expect(outcome?.cause).toMatch(/^preempted: the workers stopped on a notice at checkpoint .*not counted against fault_tolerance.max_restarts$/);
  });

  it('sends a checkpointing trial to its stop target unless it ran to the end meanwhile', () => {
    expect(runOutcome(trial({ state: 'checkpointing', stopTarget: 'preempted' }), 'failed')).toMatchObject({
      to: 'preempted',
      cause: 'stopped at checkpoint runs/e/step-00000040',
      changes: { stopTarget: null },
    });
    expect(runOutcome(trial({ state: 'checkpointing', stopTarget: null }), 'failed')?.to).toBe('paused');
    expect(runOutcome(trial({ state: 'checkpointing', stopTarget: 'paused' }), 'finished')?.to).toBe('succeeded');
  });

  it('requeues a restarting trial while restarts are left, then fails it', () => {
    expect(runOutcome(trial({ state: 'restarting', restarts: 1, maxRestarts: 2 }), 'failed')).toMatchObject({
      to: 'queued',
      cause: 'restart 2 of 2 from runs/e/step-00000040',
      changes: { restarts: 2, placement: null },
      restart: true,
    });
    expect(runOutcome(trial({ state: 'restarting', restarts: 2, maxRestarts: 2 }), 'failed')).toMatchObject({
      to: 'failed',
      cause: 'gave up after 2 restart(s) (fault_tolerance.max_restarts)',
      restart: false,
    });
    expect(runOutcome(trial({ state: 'restarting', restarts: 0, stopTarget: 'cancelled' }), 'failed')).toMatchObject({
      to: 'cancelled',
      cause: 'stopped while restarting',
    });
  });

  it('leaves trials in other states alone', () => {
    expect(runOutcome(trial({ state: 'queued' }), 'finished')).toBeUndefined();
  });
});
