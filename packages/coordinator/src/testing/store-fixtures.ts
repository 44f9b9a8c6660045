/** A store with experiments and trials made directly (no spec loading): fixtures for the daemon's parts. */
import type { ExperimentSpec } from '@orquesta/protocol';
import type { RunTracker } from '../daemon/coordinator-types.js';
import type { TrialRow } from '../store/rows.js';
import { Store } from '../store/store.js';

export interface FixtureTrial {
  readonly workers?: number;
  readonly priority?: number;
  readonly preemptible?: boolean;
  readonly launcher?: 'agents' | 'slurm';
}

export class StoreFixture {
  clock = 1_000_000;
  readonly store = new Store(':memory:', () => this.clock);
  readonly runs = new Map<string, RunTracker>();

  /** One experiment with one queued trial; @returns the trial. */
  queue(name: string, t: FixtureTrial = {}): TrialRow {
    const workers = t.workers ?? 2;
    const spec = { name, resources: { workers, slots_per_worker: 1, launcher: t.launcher ?? 'agents' } } as unknown as ExperimentSpec;
    const { trials } = this.store.createExperiment(name, `name: ${name}`, t.priority ?? 50, () => [
      {
        idx: 0,
        overrides: {},
        specJson: JSON.stringify(spec),
        checkpointDir: `runs/${name}`,
        maxRestarts: 2,
        priority: t.priority ?? 50,
        preemptible: t.preemptible ?? true,
        workers,
        slotsPerWorker: 1,
        launcher: t.launcher ?? 'agents',
      },
    ]);
    return this.store.trial(trials[0]!);
  }

  /** Follows the trial's current run as the coordinator does once it is placed. */
  track(trial: TrialRow, ranks = trial.workers): RunTracker {
    const tracker: RunTracker = { trialId: trial.id, experimentId: trial.experimentId, ranks, exited: new Map(), lastError: new Map() };
    this.runs.set(`${trial.id}.${trial.attempt}`, tracker);
    return tracker;
  }
}
