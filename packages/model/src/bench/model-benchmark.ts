/**
 * The model benchmark: training steps of the benchmark Transformer (compute-facts.md: encoder-
 * decoder, pre-LN, d_model 256, 4 heads, d_ff 1024, 3+3 layers, shared vocabulary 8,000, tied,
 * sinusoidal, dropout 0.1, 64 pairs of 32 source and 32 target tokens = 2,048 target tokens per
 * step, label smoothing 0.1, Adam). Steps:
 *   1. select the backend and build the model with the given seed,
 *   2. run `warmup` full steps (compiles kernels, creates optimizer slots),
 *   3. time `steps` full steps: forward+backward (variableGrads) and the optimizer separately,
 *   4. time `steps` forward-only passes, so backward = (forward+backward) - forward,
 *   5. report medians, target tokens/s and the process's peak RSS.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend/select-backend.js';
import { transformerConfig, type TransformerConfig } from '../config.js';
import type { Seq2SeqInputs } from '../models/batch-inputs.js';
import { Seq2SeqTransformer } from '../models/seq2seq-transformer.js';

export interface ModelBenchmarkOptions {
  /** Backend name. Defaults to wasm. */
  readonly backend?: string;
  /** Timed steps. Defaults to 10. */
  readonly steps?: number;
  /** Untimed steps first. Defaults to 2. */
  readonly warmup?: number;
  /** Pairs per step. Defaults to 64. */
  readonly batch?: number;
  /** Source and target length in tokens. Defaults to 32. */
  readonly length?: number;
  /** Model shape; defaults to the benchmark Transformer. */
  readonly config?: Partial<TransformerConfig>;
  /** Called after each timed step (progress). */
  readonly onStep?: (step: number, seconds: number) => void;
}

export interface ModelBenchmarkResult {
  readonly benchmark: 'model';
  readonly backend: string;
  readonly parameters: number;
  readonly target_tokens_per_step: number;
  readonly steps: number;
  readonly step_s_median: number;
  readonly target_tokens_per_s: number;
  readonly forward_s_median: number;
  readonly backward_s_median: number;
  readonly optimizer_s_median: number;
  readonly peak_rss_mb: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Deterministic token ids in [4, vocab): no padding, so every position counts. */
function syntheticBatch(batch: number, length: number, vocab: number, seed: number): Seq2SeqInputs {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return 4 + (state % (vocab - 4));
  };
  const make = () => Int32Array.from({ length: batch * length }, next);
  return { size: batch, srcLen: length, tgtLen: length, src: make(), tgtIn: make(), tgtOut: make() };
}

export async function runModelBenchmark(options: ModelBenchmarkOptions = {}): Promise<ModelBenchmarkResult> {
  const backend = options.backend ?? 'wasm';
  const steps = options.steps ?? 10;
  const warmup = options.warmup ?? 2;
  const batchSize = options.batch ?? 64;
  const length = options.length ?? 32;
  await selectBackend(backend);
  const config = transformerConfig({ vocabSize: 8000, maxLen: Math.max(64, length), ...options.config });
  const model = new Seq2SeqTransformer(config);
  const optimizer = tf.train.adam(1e-3, 0.9, 0.98, 1e-9);
  const vars = [...model.variables.values()];
  const batches = [0, 1, 2].map((i) => syntheticBatch(batchSize, length, config.vocabSize, i + 1));
  const fb: number[] = [];
  const opt: number[] = [];
  const fwd: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const batch = batches[i % batches.length]!;
    model.rng.beginStep(i);
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => {
      const { sum, count } = model.loss(batch, 0.1, true);
      return tf.div(sum, count) as tf.Scalar;
    }, vars);
    await value.data();
    const t1 = performance.now();
    optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
    await vars[0]!.data();
    const t2 = performance.now();
    tf.dispose([value, ...Object.values(grads)]);
    if (i >= warmup) {
      fb.push((t1 - t0) / 1000);
      opt.push((t2 - t1) / 1000);
      options.onStep?.(i - warmup + 1, (t2 - t0) / 1000);
    }
  }
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const loss = tf.tidy(() => model.loss(batches[i % batches.length]!, 0.1, true).sum);
    await loss.data();
    loss.dispose();
    fwd.push((performance.now() - t0) / 1000);
  }
  const stepMedian = median(fb.map((v, i) => v + opt[i]!));
  const result: ModelBenchmarkResult = {
    benchmark: 'model',
    backend,
    parameters: model.params.count,
    target_tokens_per_step: batchSize * length,
    steps,
    step_s_median: round(stepMedian),
    target_tokens_per_s: Math.round((batchSize * length) / stepMedian),
    forward_s_median: round(median(fwd)),
    backward_s_median: round(Math.max(0, median(fb) - median(fwd))),
    optimizer_s_median: round(median(opt)),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  optimizer.dispose();
  model.dispose();
  return result;
}

function round(seconds: number): number {
  return Math.round(seconds * 10000) / 10000;
}
