/**
 * What the Trainer reads, in the units it uses, built once from the experiment spec: the optimizer
 * section, the three training settings a step needs, and the gradient buckets' size and comm hook.
 */
import { collectiveSettingsFromSpec, type CommHook, type Compression } from '@orquesta/collective';
import type { ExperimentSpec, OptimizerSpec } from '@orquesta/protocol';

export interface TrainerConfig {
  /**
   * The spec's optimizer section: kind; lr (peak learning rate, per optimizer step); betas and eps
   * (Adam's moment decays and denominator term, unitless); weight_decay (fraction of the parameter per
   * step); warmup_steps (optimizer steps); schedule; clip_norm (maximum global L2 norm of the per-token
   * gradient, 0 for none).
   */
  readonly optimizer: OptimizerSpec;
  /** Micro-batches per optimizer step (gradient accumulation), at least 1. */
  readonly accumulate: number;
  /** Label-smoothing epsilon, in [0, 1): probability mass spread over the vocabulary. */
  readonly labelSmoothing: number;
  /** Optimizer steps of the whole run: the horizon of the learning-rate schedule. */
  readonly maxSteps: number;
  /** Gradient bucket capacity, in bytes (10^6 per MB of the spec's collective.bucket_mb). */
  readonly bucketBytes: number;
  /**
   * Reduces one gradient bucket to its element-wise sum over all ranks (the trainer divides by the
   * global token count itself): float32 on the wire, or fp16 with a float32 fallback on overflow.
   */
  readonly hook: CommHook;
  /**
   * Shard the optimizer state across the ranks (ZeRO stage 1): buckets are reduce-scattered with
   * `compression` on the wire instead of going through `hook`. Defaults to false.
   */
  readonly shard?: boolean;
  /** Element type on the wire of a sharded step's reduce-scatter. Defaults to 'none' (float32). */
  readonly compression?: Compression;
}

/** The trainer's settings from a validated experiment spec. */
export function trainerConfigFromSpec(spec: Pick<ExperimentSpec, 'optimizer' | 'training' | 'collective'>): TrainerConfig {
  const { bucketBytes, hook } = collectiveSettingsFromSpec(spec.collective, 'sum');
  const { accumulate, label_smoothing: labelSmoothing, max_steps: maxSteps } = spec.training;
  return {
    optimizer: spec.optimizer,
    accumulate,
    labelSmoothing,
    maxSteps,
    bucketBytes,
    hook,
    shard: spec.optimizer.shard,
    compression: spec.collective.compression,
  };
}
