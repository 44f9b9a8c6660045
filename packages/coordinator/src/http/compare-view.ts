/**
 * What `orquesta compare` and the dashboard's comparison view show for some experiments (a search's
 * trials, or separate runs): each trial's hyperparameters (its search point), best validation
 * figures, steps, wall time and worker-seconds, and its validation curve.
 */
import { parseSpecText } from '@orquesta/spec';
import { goodputOf } from '../daemon/goodput-book.js';
import type { Store } from '../store/store.js';

/** Experiments one comparison may hold. */
export const MAX_COMPARED = 20;

export interface ComparedTrial {
  readonly experimentId: number;
  readonly experiment: string;
  readonly idx: number;
  readonly state: string;
  /** The search point: dotted field -> value. */
  readonly overrides: Readonly<Record<string, unknown>>;
  /** Every compared parameter's value for this trial: its search point's, else its spec's. */
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly workers: number;
  readonly steps: number;
  /** Lowest validation loss and its step (null before any evaluation). */
  readonly bestLoss: number | null;
  readonly bestLossStep: number | null;
  /** Highest validation BLEU and its step (null when not measured). */
  readonly bestBleu: number | null;
  readonly bestBleuStep: number | null;
  /** From its first placement to its end (or now), seconds. */
  readonly wallSeconds: number | null;
  /** wallSeconds x workers: the compute it held. */
  readonly workerSeconds: number | null;
  /** Every validation result, by step. */
  readonly curve: readonly { readonly step: number; readonly loss: number; readonly bleu: number | null }[];
}

export interface Comparison {
  readonly experiments: readonly {
    readonly id: number;
    readonly name: string;
    readonly state: string;
    readonly search: string | null;
    readonly metric: string | null;
  }[];
  /** Every searched field of any trial, sorted: the comparison's hyperparameter columns. */
  readonly parameters: readonly string[];
  readonly trials: readonly ComparedTrial[];
}

/** @throws {NotFoundError} an id names no experiment. */
export function compareExperiments(store: Store, ids: readonly number[], now = Date.now()): Comparison {
  const experiments = ids.map((id) => store.experiment(id));
  const all = experiments.map((e) => ({ e, trials: store.trials(e.id) }));
  const parameters = [...new Set(all.flatMap(({ trials }) => trials.flatMap((t) => Object.keys(t.overrides))))].sort();
  const trials: ComparedTrial[] = [];
  for (const { e, trials: rows } of all) {
    const evaluations = store.search.evaluations(e.id);
    for (const t of rows) {
      const spec = JSON.parse(t.specJson) as Record<string, unknown>;
      const curve = evaluations.filter((p) => p.trialId === t.id).map((p) => ({ step: p.step, loss: p.loss, bleu: p.bleu }));
      const byLoss = curve.filter((p) => Number.isFinite(p.loss)).sort((a, b) => a.loss - b.loss || a.step - b.step)[0];
      const byBleu = curve.filter((p) => p.bleu !== null).sort((a, b) => (b.bleu as number) - (a.bleu as number) || a.step - b.step)[0];
      const goodput = goodputOf(t, now);
      trials.push({
        experimentId: e.id,
        experiment: e.name,
        idx: t.idx,
        state: t.state,
        overrides: t.overrides,
        hyperparameters: Object.fromEntries(parameters.map((p) => [p, p in t.overrides ? t.overrides[p] : valueAt(spec, p)])),
        workers: t.workers,
        steps: t.lastStep,
        bestLoss: byLoss?.loss ?? null,
        bestLossStep: byLoss?.step ?? null,
        bestBleu: byBleu?.bleu ?? null,
        bestBleuStep: byBleu?.step ?? null,
        wallSeconds: goodput ? round(goodput.wallSeconds) : null,
        workerSeconds: goodput ? round(goodput.wallSeconds * t.workers) : null,
        curve,
      });
    }
  }
  return {
    experiments: experiments.map((e) => {
      const loaded = parseSpecText(e.specYaml, 'spec', { probe: () => 'file' });
      const search = loaded.ok ? loaded.spec.search : undefined;
      return { id: e.id, name: e.name, state: e.state, search: search?.kind ?? null, metric: search?.kind === 'asha' ? search.metric : null };
    }),
    parameters,
    trials,
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** A dotted field's value in a trial's spec (null where it has none). */
function valueAt(spec: Record<string, unknown>, field: string): unknown {
  let node: unknown = spec;
  for (const part of field.split('.')) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined;
  return node ?? null;
}
