/**
 * What `submit` does before the store: the spec checked where the coordinator can check it (schema
 * and semantics, paths inside the allowed roots, a launcher it has), then one store trial per search
 * point, each with its own checkpoint directory under the experiment's.
 */
import { existsSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import type { ExperimentSpec } from '@orquesta/protocol';
import { expandSearch } from '../jobs/expand-search.js';
import { parseSpecText, pathRootIssues, type SpecProblem } from '@orquesta/spec';
import type { NewTrial, Store } from '../store/store.js';
import { ADMIN_USER } from '../auth/roles.js';
import type { QueueOptions } from './coordinator-types.js';
import { QuotaExceededError } from './daemon-errors.js';

export interface SubmissionRules {
  /** Directory relative spec paths resolve against. Defaults to the working directory. */
  readonly baseDir?: string;
  /** Directories spec paths must stay inside. Defaults to [baseDir]. */
  readonly pathRoots?: readonly string[];
  /** Whether `resources.launcher: slurm` can run here. */
  readonly slurm: boolean;
}

/** The validated spec, or the problems (FILE:LINE:COL and field) that refuse it. Never throws for a bad spec. */
export function checkSubmission(
  specYaml: string,
  source: string,
  rules: SubmissionRules,
): { ok: true; spec: ExperimentSpec } | { ok: false; problems: readonly SpecProblem[] } {
  const loaded = parseSpecText(specYaml, source, rules.baseDir === undefined ? {} : { baseDir: rules.baseDir });
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  const spec = loaded.spec;
  const baseDir = rules.baseDir ?? process.cwd();
  const escapes = pathRootIssues(spec, baseDir, rules.pathRoots ?? [baseDir]);
  if (escapes.length > 0) return { ok: false, problems: escapes.map((e) => ({ file: source, line: 1, col: 1, ...e })) };
  if (spec.resources.launcher === 'slurm' && !rules.slurm)
    return {
      ok: false,
      problems: [
        {
          file: source,
          line: 1,
          col: 1,
          path: 'resources.launcher',
          message: 'this coordinator has no Slurm (start `orquesta serve --slurm` on a Slurm login node)',
        },
      ],
    };
  return { ok: true, spec };
}

/** Whether a path (relative paths against `base`) exists: `taken` for trialsFor on the coordinator's file system. */
export function existsUnder(base: string): (dir: string) => boolean {
  return (dir) => existsSync(resolve(base, dir));
}

/**
 * Where trials checkpoint: `per-experiment` (a shared coordinator) under CHECKPOINT_DIR/exp-ID, or
 * `as-given` (`orquesta train`: one user, one experiment) in CHECKPOINT_DIR itself; searches add /trial-N.
 */
export type CheckpointLayout = 'per-experiment' | 'as-given';

/**
 * Creates the experiment of a checked spec for `submitter` (with one trial per search point, see
 * `trialsFor`) and audits it. @returns its id, its trials' ids and the priority it got.
 * @param taken whether a checkpoint directory exists already (see trialsFor).
 */
export function createSubmitted(
  store: Store,
  spec: ExperimentSpec,
  specYaml: string,
  options: QueueOptions,
  layout?: CheckpointLayout,
  taken?: (dir: string) => boolean,
): { id: number; trials: number[]; priority: number } {
  const [priority, submitter] = [options.priority ?? spec.scheduling.priority, options.submitter ?? ADMIN_USER];
  const cap = store.accounts.quotas().get(submitter)?.maxPriority;
  if (cap !== undefined && priority > cap)
    throw new QuotaExceededError(`${submitter} may submit at priority ${cap} at most (their quota); this experiment asks for ${priority}`);
  const moves: { from: string; to: string }[] = [];
  const created = store.createExperiment(
    spec.name,
    specYaml,
    priority,
    (id) => trialsFor(spec, id, priority, layout, taken, (from, to) => moves.push({ from, to })),
    submitter,
  );
  for (const { from, to } of moves)
    store.addEvent({
      experimentId: created.id,
      trialId: null,
      kind: 'submit',
      message: `${from} holds another experiment's checkpoints (an earlier coordinator database?): checkpointing into ${to} instead`,
    });
  store.accounts.audit(submitter, created.id, `submitted experiment ${created.id} (${spec.name}, ${created.trials.length} trial(s))`);
  return { ...created, priority };
}

/**
 * One trial per search point of `spec`, checkpointing under CHECKPOINT_DIR[/exp-ID][/trial-N]. A new
 * experiment's directory that is `taken` already (an experiment of the same id in an earlier database,
 * whose checkpoints its trials would resume from) becomes exp-ID-2 (-3, ...), told to `moved`.
 */
export function trialsFor(
  spec: ExperimentSpec,
  experimentId: number,
  priority: number,
  layout: CheckpointLayout = 'per-experiment',
  taken: (dir: string) => boolean = () => false,
  moved: (from: string, to: string) => void = () => {},
): NewTrial[] {
  const plans = expandSearch(spec);
  const experimentDirs = new Map<string, string>();
  const experimentDir = (base: string): string => {
    let dir = experimentDirs.get(base);
    if (dir === undefined) {
      const plain = posix.join(base, `exp-${experimentId}`);
      dir = plain;
      for (let k = 2; taken(dir); k++) dir = posix.join(base, `exp-${experimentId}-${k}`);
      if (dir !== plain) moved(plain, dir);
      experimentDirs.set(base, dir);
    }
    return dir;
  };
  return plans.map((plan, idx) => {
    const checkpointDir = posix.join(
      layout === 'per-experiment' ? experimentDir(plan.spec.checkpoint.dir) : plan.spec.checkpoint.dir,
      plans.length > 1 || spec.search ? `trial-${idx}` : '',
    );
    const trialSpec: ExperimentSpec = { ...plan.spec, checkpoint: { ...plan.spec.checkpoint, dir: checkpointDir.replace(/\/$/, '') } };
    return {
      idx,
      overrides: plan.overrides,
      specJson: JSON.stringify(trialSpec),
      checkpointDir: trialSpec.checkpoint.dir,
      maxRestarts: trialSpec.fault_tolerance.max_restarts,
      priority,
      preemptible: trialSpec.scheduling.preemptible,
      workers: trialSpec.resources.workers,
      ...(trialSpec.resources.min_workers === undefined ? {} : { minWorkers: trialSpec.resources.min_workers }),
      slotsPerWorker: trialSpec.resources.slots_per_worker,
      launcher: trialSpec.resources.launcher,
    };
  });
}
