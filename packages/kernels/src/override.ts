/**
 * Kernel overrides on the wasm backend. Each override is tried first; when it returns null
 * (a dtype, rank or layout it does not handle) the original wasm kernel runs. The originals
 * are kept, so overrides can be switched off at run time (A/B checks, tests).
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapFor, type WasmBackendInternals, type WasmHeap } from './wasm-heap.js';

export interface OverrideCall {
  readonly inputs: tf.NamedTensorInfoMap;
  readonly attrs: tf.NamedAttrMap;
  readonly heap: WasmHeap;
  readonly backend: WasmBackendInternals;
}

export interface KernelOverride {
  readonly kernelName: string;
  /** Pure JS, no addon: stays on when native kernels are switched off. */
  readonly portable?: boolean;
  /** Native result, or null to run the original kernel. @throws only on a bug (bounds are checked natively). */
  run(call: OverrideCall): tf.TensorInfo | null;
}

export interface OverrideStats {
  native: number;
  fallback: number;
}

const BACKEND = 'wasm';
const installed = new Map<string, { original: tf.KernelConfig; stats: OverrideStats }>();
let enabled = true;

export function installOverride(override: KernelOverride): void {
  if (installed.has(override.kernelName)) return;
  const original = tf.getKernel(override.kernelName, BACKEND);
  if (!original) return;
  const stats: OverrideStats = { native: 0, fallback: 0 };
  installed.set(override.kernelName, { original, stats });
  tf.unregisterKernel(override.kernelName, BACKEND);
  tf.registerKernel({
    kernelName: override.kernelName,
    backendName: BACKEND,
    kernelFunc: (args) => {
      if (enabled || override.portable) {
        const backend = args.backend as unknown as WasmBackendInternals;
        const out = override.run({ inputs: args.inputs, attrs: args.attrs ?? {}, heap: heapFor(backend), backend });
        if (out) {
          stats.native++;
          return out;
        }
      }
      stats.fallback++;
      return original.kernelFunc(args);
    },
  });
}

/** Switches every installed override on or off (off: the original wasm kernels run). */
export function setNativeKernelsEnabled(on: boolean): void {
  enabled = on;
}

export function nativeKernelsEnabled(): boolean {
  return enabled;
}

/** Names of the kernels that have a native override installed. */
export function overriddenKernels(): string[] {
  return [...installed.keys()];
}

/** Calls that ran natively and calls that fell back, per kernel, since start-up. */
export function overrideStats(): Record<string, OverrideStats> {
  return Object.fromEntries([...installed].map(([name, { stats }]) => [name, { ...stats }]));
}
