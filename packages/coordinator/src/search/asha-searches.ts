/**
 * The coordinator's side of ASHA searches: each validation report of a trial of an `asha` search is
 * ranked at its rung (asha.ts) against the results in the store; the verdict is recorded there with an
 * event, and a trial that does not go on is asked to checkpoint and stop, ending `stopped`.
 */
import type { ExperimentSpec } from '@orquesta/protocol';
import { ashaRungs, parseSpecText, type AshaRungs } from '@orquesta/spec';
import type { DaemonAction } from '../daemon/daemon-action.js';
import type { TrialRow } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { ashaDecide, rankedValue } from './asha.js';

export class AshaSearches {
  /** Each experiment's rungs, or null when it is no ASHA search (a spec never changes). */
  private readonly rungs = new Map<number, AshaRungs | null>();

  constructor(private readonly store: Store) {}

  /** What a validation result of `trial` at `step` decides: nothing, or a request to stop it. */
  evaluated(trial: TrialRow, step: number, evaluation: { readonly loss: number; readonly bleu?: number | undefined }): DaemonAction[] {
    const rungs = this.rungsOf(trial.experimentId);
    if (!rungs) return [];
    const value = rankedValue(rungs.metric, evaluation);
    if (value === undefined) return [];
    const decision = ashaDecide(rungs, this.store.search.rungResults(trial.experimentId), trial.id, step, value);
    if (!decision) return [];
    this.store.search.recordRungResult(trial.experimentId, decision.result);
    const figure = rungs.metric === 'bleu' ? `BLEU ${(-value).toFixed(2)}` : `validation loss ${value.toFixed(4)}`;
    const { rung } = decision.result;
    const standing = `${figure} at step ${step} ranks ${decision.rank} of ${decision.of} at rung ${rung + 1} of ${rungs.steps.length} (step ${rungs.steps[rung]}); the best ${decision.keep} go on`;
    if (decision.result.verdict === 'continue') {
      this.store.addEvent({ experimentId: trial.experimentId, trialId: trial.id, kind: 'asha', message: `trial ${trial.idx} goes on: ${standing}` });
      return [];
    }
    return [{ kind: 'request-stop', trialId: trial.id, target: 'stopped', cause: `stopped by ASHA: ${standing}` }];
  }

  private rungsOf(experimentId: number): AshaRungs | null {
    let rungs = this.rungs.get(experimentId);
    if (rungs === undefined) {
      const loaded = parseSpecText(this.store.experiment(experimentId).specYaml, 'spec', { probe: () => 'file' });
      const search = loaded.ok ? (loaded.spec as ExperimentSpec).search : undefined;
      const resolved = search?.kind === 'asha' && loaded.ok ? ashaRungs(search, loaded.spec.training) : undefined;
      rungs = resolved?.ok ? resolved.rungs : null;
      this.rungs.set(experimentId, rungs);
    }
    return rungs;
  }
}
