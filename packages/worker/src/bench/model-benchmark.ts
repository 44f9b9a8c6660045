/**
 * The model benchmark: training steps of the benchmark Transformer (or Transformer-base or -big:
 * BENCH_MODEL_SIZES; the description below is the default size) (encoder-decoder, pre-LN,
 * d_model 256, 4 heads, d_ff 1024, 3+3 layers, shared vocabulary 8,000, tied, sinusoidal,
 * dropout 0.1, 64 pairs of 32 source and 32 target tokens = 2,048 target tokens per step, label
 * smoothing 0.1, Adam without clipping, as the PyTorch reference in tools/bench), timed through
 * the same Trainer that `orquesta train` runs, on a one-rank group. Steps:
 *   1. select the backend and build the model,
 *   2. run `warmup` full training steps,
 *   3. time `steps` full steps: compute gradients (forward + backward) and apply (gradient
 *      scaling, Adam, loading the parameters back) separately,
 *   4. time `steps` forward-only passes, so backward = (forward + backward) - forward,
 *   5. report medians, target tokens/s and the process's peak RSS.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createInMemoryGroups } from '@orquesta/collective';
import { nativeKernelReport } from '@orquesta/kernels';
import { selectBackend, wasmHeapBytes, type SelectBackendOptions } from '@orquesta/model';
import type { ExperimentSpec } from '@orquesta/protocol';
import { buildModel } from '../train/trainable-model.js';
import { Trainer } from '../train/trainer.js';
import { trainerConfigFromSpec } from '../train/trainer-config.js';
import { BENCH_VOCAB as VOCAB, syntheticBatch } from './synthetic-batch.js';

export interface ModelBenchmarkOptions {
  /** Backend name. Defaults to auto (wasm-native where built, else wasm). */
  readonly backend?: string;
  /** How the backend is set up (see `selectBackend`). */
  readonly backendOptions?: SelectBackendOptions;
  /** Timed steps. Defaults to 10. */
  readonly steps?: number;
  /** Untimed steps first. Defaults to 2. */
  readonly warmup?: number;
  /** Pairs per step. Defaults to 64. */
  readonly batch?: number;
  /** Source and target length in tokens. Defaults to 32. */
  readonly length?: number;
  /** Model shape. Defaults to 'bench'. */
  readonly size?: BenchModelSize;
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
  /** The model shape's name (BENCH_MODEL_SIZES). */
  readonly size: BenchModelSize;
  /** wasm backends: the wasm heap's size at the end (it only grows, so its peak), MB of 2^20 bytes. */
  readonly wasm_heap_mb?: number;
  /** wasm-native only: OpenBLAS core type and threads, and the kernels that run natively. */
  readonly native?: { readonly blas_core: string; readonly blas_threads: number; readonly kernels: readonly string[] };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Model sizes the benchmark can train: the benchmark Transformer, and the paper's Transformer-base and
 * Transformer-big shapes (Vaswani et al. 2017, table 3) with the benchmark's 8,000-token vocabulary.
 */
export const BENCH_MODEL_SIZES = {
  bench: { d_model: 256, heads: 4, d_ff: 1024, layers: 3 },
  base: { d_model: 512, heads: 8, d_ff: 2048, layers: 6 },
  big: { d_model: 1024, heads: 16, d_ff: 4096, layers: 6 },
} as const;

export type BenchModelSize = keyof typeof BENCH_MODEL_SIZES;

/** The benchmark Transformer's spec: `batch` pairs of `length` + `length` tokens per rank and step. */
export function benchmarkSpec(
  backend: string,
  length: number,
  batch: number,
  workers = 1,
  compression: 'none' | 'fp16' = 'none',
  size: BenchModelSize = 'bench',
): ExperimentSpec {
  const shape = BENCH_MODEL_SIZES[size];
  return {
    name: 'bench-model',
    task: 'translation',
    data: { train: 'synthetic', source: 'src', target: 'tgt', columns: { src: 0, tgt: 1 }, max_len: length, overlong: 'drop', malformed: 'skip' },
    tokenizer: { kind: 'bpe', vocab_size: VOCAB, shared: true },
    model: {
      d_model: shape.d_model,
      heads: shape.heads,
      d_ff: shape.d_ff,
      encoder_layers: shape.layers,
      decoder_layers: shape.layers,
      dropout: 0.1,
      attention_dropout: 0.1,
      activation: 'relu',
      norm: 'pre',
      max_len: Math.max(64, length),
      positional: 'sinusoidal',
      tie_embeddings: true,
    },
    optimizer: { kind: 'adam', lr: 1e-3, betas: [0.9, 0.98], eps: 1e-9, weight_decay: 0, warmup_steps: 0, schedule: 'constant', clip_norm: 0, shard: false },
    training: {
      max_tokens_per_batch: batch * length,
      accumulate: 1,
      max_steps: 1_000_000,
      label_smoothing: 0.1,
      seed: 1,
      eval_every_steps: 1_000_000,
      eval_bleu_sentences: 0,
      log_every_steps: 1_000_000,
      consistency_every_steps: 0,
    },
    resources: { workers, slots_per_worker: 1, backend, launcher: 'agents', gpus_per_worker: 0 },
    collective: { bucket_mb: 25, compression, timeout_s: 60, shared_memory: 'auto', transport: 'auto', algorithm: 'auto' },
    checkpoint: { every_steps: 1_000_000, keep_last: 1, dir: 'unused', background: true },
    fault_tolerance: { max_restarts: 0, recovery: 'checkpoint', max_replacements: 0, replacement_timeout_s: 120, replace_stragglers: false },
    scheduling: { priority: 50, preemptible: true },
  } as ExperimentSpec;
}

export async function runModelBenchmark(options: ModelBenchmarkOptions = {}): Promise<ModelBenchmarkResult> {
  const steps = options.steps ?? 10;
  const warmup = options.warmup ?? 2;
  const batchSize = options.batch ?? 64;
  const length = options.length ?? 32;
  const backend = await selectBackend(options.backend ?? 'auto', options.backendOptions);
  const size = options.size ?? 'bench';
  const spec = benchmarkSpec(backend, length, batchSize, 1, 'none', size);
  const model = buildModel(spec, VOCAB);
  const [group] = createInMemoryGroups(1);
  const batches = [0, 1, 2].map((i) => syntheticBatch(batchSize, length, i + 1));
  let served = 0;
  const trainer = new Trainer(trainerConfigFromSpec(spec), group!, model, async () => batches[served++ % batches.length]!);
  const compute: number[] = [];
  const apply: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const { seconds } = await trainer.trainStep();
    if (i >= warmup) {
      compute.push(seconds.compute);
      apply.push(seconds.allReduce + seconds.optimizer);
      options.onStep?.(i - warmup + 1, seconds.data + seconds.compute + seconds.allReduce + seconds.optimizer);
    }
  }
  const fwd: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    model.beginStep(i);
    const loss = tf.tidy(() => model.loss(batches[i % batches.length]!, 0.1, true).sum);
    await loss.data();
    loss.dispose();
    fwd.push((performance.now() - t0) / 1000);
  }
  const stepMedian = median(compute.map((v, i) => v + apply[i]!));
  const native = backend === 'wasm-native' ? nativeKernelReport() : undefined;
  const result: ModelBenchmarkResult = {
    benchmark: 'model',
    backend,
    parameters: [...model.variables.values()].reduce((n, v) => n + v.size, 0),
    target_tokens_per_step: batchSize * length,
    steps,
    step_s_median: round(stepMedian),
    target_tokens_per_s: Math.round((batchSize * length) / stepMedian),
    forward_s_median: round(median(fwd)),
    backward_s_median: round(Math.max(0, median(compute) - median(fwd))),
    optimizer_s_median: round(median(apply)),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    size,
    ...(wasmHeapBytes() === undefined ? {} : { wasm_heap_mb: Math.round(wasmHeapBytes()! / 2 ** 20) }),
    ...(native ? { native: { blas_core: native.blas.core, blas_threads: native.blas.threads, kernels: native.kernels } } : {}),
  };
  await group!.close();
  model.dispose();
  return result;
}

function round(seconds: number): number {
  return Math.round(seconds * 10000) / 10000;
}
