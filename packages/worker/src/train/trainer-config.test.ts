import { allReduceSumHook, fp16CompressSumHook } from '@orquesta/collective';
import type { CollectiveSpec, ExperimentSpec } from '@orquesta/protocol';
import { describe, expect, it } from 'vitest';
import { trainerConfigFromSpec } from './trainer-config.js';

function sections(collective: CollectiveSpec): Pick<ExperimentSpec, 'optimizer' | 'training' | 'collective'> {
  return {
    optimizer: {
      kind: 'adam',
      lr: 5e-4,
      betas: [0.9, 0.98],
      eps: 1e-9,
      weight_decay: 0,
      warmup_steps: 4000,
      schedule: 'inverse_sqrt',
      clip_norm: 1,
      shard: false,
    },
    training: {
      max_tokens_per_batch: 4096,
      accumulate: 3,
      max_steps: 20_000,
      label_smoothing: 0.1,
      seed: 1,
      eval_every_steps: 500,
      eval_bleu_sentences: 0,
      log_every_steps: 50,
      consistency_every_steps: 100,
    },
    collective,
  };
}

describe('trainerConfigFromSpec', () => {
  it('takes the optimizer section and the training settings a step reads', () => {
    const spec = sections({ bucket_mb: 25, compression: 'none', timeout_s: 30, shared_memory: 'auto', transport: 'auto', algorithm: 'auto' });
    const config = trainerConfigFromSpec(spec);
    expect(config.optimizer).toBe(spec.optimizer);
    expect(config).toMatchObject({ accumulate: 3, labelSmoothing: 0.1, maxSteps: 20_000 });
  });

  it('converts bucket_mb to bytes and picks the sum hook for the compression', () => {
    expect(
      trainerConfigFromSpec(sections({ bucket_mb: 25, compression: 'none', timeout_s: 30, shared_memory: 'auto', transport: 'auto', algorithm: 'auto' })),
    ).toMatchObject({
      bucketBytes: 25_000_000,
      hook: allReduceSumHook,
    });
    expect(
      trainerConfigFromSpec(sections({ bucket_mb: 0.001, compression: 'fp16', timeout_s: 30, shared_memory: 'off', transport: 'auto', algorithm: 'auto' })),
    ).toMatchObject({
      bucketBytes: 1000,
      hook: fp16CompressSumHook,
    });
  });
});
