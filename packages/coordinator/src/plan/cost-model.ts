/**
 * Predicted step time of a spec on N workers from measurements (`orquesta bench model --json`,
 * `orquesta bench allreduce --json` and `orquesta bench scaling --independent --json` lines), without
 * launching anything:
 *
 *   compute   = tokens per worker step / measured tokens/s x (parameters / benchmark parameters)
 *               / contention (the efficiency of as many single-worker trainings at once as workers
 *               share a host, when measured; 1 with one worker per host)
 *   optimizer = measured optimizer seconds x (parameters / benchmark parameters) / contention
 *   allReduce = the all-reduce the placement gets (shared memory, flat ring or hierarchical; see
 *               all-reduce-model.ts) of the gradient bytes at the measured bus bandwidths
 *   step      = compute + allReduce + optimizer (no overlap)
 *
 * Compute scales with parameters x tokens (6 FLOPs per parameter and token); attention's quadratic
 * term and the embedding lookup are ignored, so the model is rougher for long sequences.
 */
import type { ExperimentSpec } from '@orquesta/protocol';
import { allReduceSeconds, chooseAllReduce, type AlgorithmChoice, type AllReduceMeasurement } from './all-reduce-model.js';
import { parameterCount } from './parameter-count.js';

export interface ModelMeasurement {
  readonly parameters: number;
  readonly target_tokens_per_s: number;
  readonly optimizer_s_median: number;
  readonly backend: string;
}

/** `bench scaling --independent`: N single-worker trainings at once ran at this fraction of N x alone. */
export interface ContentionMeasurement {
  readonly workers: number;
  readonly independent_efficiency: number;
}

export interface Profile {
  readonly model: readonly ModelMeasurement[];
  readonly allReduce: readonly AllReduceMeasurement[];
  readonly contention: readonly ContentionMeasurement[];
}

export interface PredictOptions {
  /** Workers on each host (one count per host); picks the all-reduce algorithm. Defaults to one worker per host. */
  readonly ranksPerHost?: readonly number[];
  /** Workers sharing one host (the most on any host); picks the contention row. Defaults to 1. */
  readonly perHost?: number;
}

/** Reads benchmark JSON lines; other lines are ignored. */
export function parseProfile(text: string): Profile {
  const model: ModelMeasurement[] = [];
  const allReduce: AllReduceMeasurement[] = [];
  const contention: ContentionMeasurement[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (row['benchmark'] === 'model' && typeof row['target_tokens_per_s'] === 'number' && typeof row['parameters'] === 'number')
      model.push(row as unknown as ModelMeasurement);
    else if (
      row['benchmark'] === 'scaling' &&
      typeof row['workers'] === 'number' &&
      typeof row['independent_efficiency'] === 'number' &&
      row['independent_efficiency'] > 0
    )
      contention.push(row as unknown as ContentionMeasurement);
    else if (typeof row['busbw_gbps'] === 'number' && typeof row['ranks'] === 'number' && typeof row['bytes'] === 'number')
      allReduce.push(row as unknown as AllReduceMeasurement);
  }
  return { model, allReduce, contention };
}

export interface StepPrediction {
  readonly workers: number;
  readonly parameters: number;
  readonly gradientBytes: number;
  readonly buckets: number;
  readonly tokensPerWorkerStep: number;
  readonly seconds: { readonly compute: number | null; readonly allReduce: number | null; readonly optimizer: number | null; readonly step: number | null };
  /** The all-reduce algorithm the placement gets, and why. */
  readonly algorithm: AlgorithmChoice;
  readonly tokensPerSecond: number | null;
  /** Which measurements the prediction used, or why it has none. */
  readonly basis: readonly string[];
}

export function predictStep(
  spec: Pick<ExperimentSpec, 'task' | 'model' | 'tokenizer' | 'training' | 'collective'>,
  workers: number,
  profile: Profile,
  options: PredictOptions = {},
): StepPrediction {
  const { perHost = 1 } = options;
  const parameters = parameterCount(spec);
  const gradientBytes = parameters * (spec.collective.compression === 'fp16' ? 2 : 4);
  const buckets = Math.max(1, Math.ceil((parameters * 4) / (spec.collective.bucket_mb * 1e6)));
  const tokensPerWorkerStep = spec.training.max_tokens_per_batch * spec.training.accumulate;
  const basis: string[] = [];
  const model = profile.model.at(-1);
  let compute: number | null = null;
  let optimizer: number | null = null;
  if (model) {
    basis.push(`compute: bench model on ${model.backend}, ${Math.round(model.target_tokens_per_s)} tokens/s at ${model.parameters} parameters`);
    const contention = perHost > 1 ? contentionFor(profile, perHost, basis) : 1;
    const scale = parameters / model.parameters;
    compute = ((tokensPerWorkerStep / model.target_tokens_per_s) * scale) / contention;
    optimizer = (model.optimizer_s_median * scale) / contention;
  } else basis.push('compute: no `bench model` measurement in the profile');
  const algorithm = chooseAllReduce(spec.collective, options.ranksPerHost ?? Array.from({ length: workers }, () => 1));
  const compression = spec.collective.compression;
  const sameWire = profile.allReduce.filter(
    (r) => (r.compression ?? 'none') === compression || profile.allReduce.every((x) => (x.compression ?? 'none') !== compression),
  );
  const bucketBytes = spec.collective.bucket_mb * 1e6;
  const time = allReduceSeconds(algorithm, gradientBytes, bucketBytes, sameWire);
  const allReduce = time.seconds;
  basis.push(...time.basis);
  if (algorithm.algorithm === 'hierarchical') {
    const flat = allReduceSeconds({ ...algorithm, algorithm: 'ring' }, gradientBytes, bucketBytes, sameWire).seconds;
    if (flat !== null) basis.push(`all-reduce: the flat ring would take ${flat.toFixed(3)} s`);
  }
  const step = compute !== null && optimizer !== null && allReduce !== null ? compute + optimizer + allReduce : null;
  return {
    workers,
    parameters,
    gradientBytes,
    buckets,
    tokensPerWorkerStep,
    seconds: { compute, allReduce, optimizer, step },
    algorithm,
    tokensPerSecond: step === null ? null : (workers * tokensPerWorkerStep) / step,
    basis,
  };
}

/** The measured efficiency of `perHost` independent workers at once (the latest row), or 1 with a note. */
function contentionFor(profile: Profile, perHost: number, basis: string[]): number {
  const row = profile.contention.filter((c) => c.workers === perHost).at(-1);
  if (row === undefined) {
    basis.push(
      `compute: contention of ${perHost} workers on one host not measured (bench scaling --workers 1,${perHost} --independent); computed as if each had the host to itself`,
    );
    return 1;
  }
  basis.push(
    `compute: ${perHost} workers on one host: ${perHost} independent trainings at once ran at ${row.independent_efficiency.toFixed(3)} of alone (bench scaling --independent)`,
  );
  return row.independent_efficiency;
}
