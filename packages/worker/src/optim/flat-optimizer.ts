/**
 * Optimizers over flat Float32Array parameters and gradients, on the CPU in JS: the same
 * arithmetic in the same order on every rank (replicas stay bitwise equal), and state that is
 * plain arrays (checkpoints restore it bit for bit). Where the native kernels are built, Adam
 * runs natively with the same double-precision arithmetic (the same bits, ~5x faster).
 *   adam:  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr mhat / (sqrt(vhat) + eps)
 *   adamw: as adam, after p -= lr wd p (decoupled weight decay)
 *   sgd:   p -= lr (g + wd p)
 */
import { nativeAdamUpdate, nativeKernelsAvailable } from '@orquesta/kernels';
import type { OptimizerSpec } from '@orquesta/protocol';

export interface OptimizerState {
  /** Optimizer steps taken. */
  step: number;
  /** First moments (adam, adamw), one per parameter; empty for sgd. */
  readonly m: Float32Array[];
  /** Second moments (adam, adamw). */
  readonly v: Float32Array[];
}

export class FlatOptimizer {
  readonly state: OptimizerState;

  constructor(
    private readonly spec: Pick<OptimizerSpec, 'kind' | 'betas' | 'eps' | 'weight_decay'>,
    sizes: readonly number[],
    /** Run Adam's loop natively. Defaults to whether the native kernels are built. */
    private readonly native = nativeKernelsAvailable(),
  ) {
    const moments = spec.kind === 'sgd' ? [] : sizes.map((n) => new Float32Array(n));
    this.state = { step: 0, m: moments, v: spec.kind === 'sgd' ? [] : sizes.map((n) => new Float32Array(n)) };
  }

  /** Updates `params` in place from `grads` x `gradScale` at learning rate `lr`. */
  apply(params: readonly Float32Array[], grads: readonly Float32Array[], lr: number, gradScale = 1): void {
    const { kind, weight_decay: wd, eps } = this.spec;
    const [b1, b2] = this.spec.betas;
    const t = ++this.state.step;
    if (kind === 'sgd') {
      params.forEach((p, i) => {
        const g = grads[i]!;
        for (let j = 0; j < p.length; j++) p[j] = p[j]! - lr * (g[j]! * gradScale + wd * p[j]!);
      });
      return;
    }
    const c1 = 1 - Math.pow(b1, t);
    const c2 = 1 - Math.pow(b2, t);
    const decay = kind === 'adamw' ? 1 - lr * wd : 1;
    params.forEach((p, i) => {
      const g = grads[i]!;
      const m = this.state.m[i]!;
      const v = this.state.v[i]!;
      if (this.native) return nativeAdamUpdate(p, g, m, v, { lr, beta1: b1, beta2: b2, c1, c2, eps, decay, gradScale });
      for (let j = 0; j < p.length; j++) {
        const gj = g[j]! * gradScale;
        const mj = b1 * m[j]! + (1 - b1) * gj;
        const vj = b2 * v[j]! + (1 - b2) * gj * gj;
        m[j] = mj;
        v[j] = vj;
        p[j] = p[j]! * decay - (lr * (mj / c1)) / (Math.sqrt(vj / c2) + eps);
      }
    });
  }
}

/** The factor that clips gradients of global norm `norm` to at most `maxNorm` (1 below it; 0 disables). */
export function clipFactor(norm: number, maxNorm: number): number {
  return maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
}
