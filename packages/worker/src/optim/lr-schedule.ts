/**
 * Learning rate at an optimizer step (1-based), from the spec's optimizer section:
 *   warmup (all schedules): lr * step / warmup_steps for step <= warmup_steps
 *   inverse_sqrt: lr * sqrt(warmup_steps / step) afterwards (fairseq's inverse_sqrt)
 *   cosine:       lr * 0.5 (1 + cos(pi * progress)), progress = (step - warmup) / (max_steps - warmup)
 *   constant:     lr afterwards
 */
import type { OptimizerSpec } from '@orquesta/protocol';

export function learningRate(optimizer: Pick<OptimizerSpec, 'lr' | 'warmup_steps' | 'schedule'>, maxSteps: number, step: number): number {
  const { lr, warmup_steps: warmup, schedule } = optimizer;
  if (step < 1) return 0;
  if (warmup > 0 && step <= warmup) return (lr * step) / warmup;
  switch (schedule) {
    case 'inverse_sqrt':
      return warmup > 0 ? lr * Math.sqrt(warmup / step) : lr / Math.sqrt(step);
    case 'cosine': {
      const progress = Math.min(1, (step - warmup) / Math.max(1, maxSteps - warmup));
      return lr * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
    case 'constant':
      return lr;
  }
}
