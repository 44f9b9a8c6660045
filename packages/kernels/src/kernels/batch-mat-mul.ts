/**
 * BatchMatMul through cblas_sgemm: transpose flags go to BLAS (no copies), batch dims equal on
 * both sides or broadcast from a side with batch 1. Other broadcasts fall back.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import type { KernelOverride } from '../override.js';
import { plainFloat, sizeOf } from './shape.js';

export function batchMatMulOverride(addon: NativeAddon): KernelOverride {
  return {
    kernelName: 'BatchMatMul',
    run: ({ inputs, attrs, heap }) => {
      const a = inputs['a']!;
      const b = inputs['b']!;
      if (!plainFloat(a, b) || a.shape.length < 2 || b.shape.length < 2) return null;
      const tA = attrs['transposeA'] === true;
      const tB = attrs['transposeB'] === true;
      const ra = a.shape.length;
      const rb = b.shape.length;
      const m = tA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
      const k = tA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
      const kB = tB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
      const n = tB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
      if (k !== kB) return null; // let tfjs raise its own shape error
      const leadA = a.shape.slice(0, -2);
      const leadB = b.shape.slice(0, -2);
      const batchA = sizeOf(leadA);
      const batchB = sizeOf(leadB);
      let lead: number[];
      try {
        lead = tf.broadcast_util.assertAndGetBroadcastShape(leadA, leadB);
      } catch {
        return null;
      }
      const batch = sizeOf(lead);
      if (!(batchA === batchB && batch === batchA) && batchA !== 1 && batchB !== 1) return null;
      const out = heap.output([...lead, m, n]);
      // heap.heap is read after the allocation above, which may have grown (and moved) the heap.
      addon.gemm(
        heap.heap,
        tA ? 1 : 0,
        tB ? 1 : 0,
        batch,
        m,
        n,
        k,
        heap.offset(a),
        batchA === 1 ? 0 : m * k,
        heap.offset(b),
        batchB === 1 ? 0 : k * n,
        heap.offset(out),
        m * n,
      );
      return out;
    },
  };
}
