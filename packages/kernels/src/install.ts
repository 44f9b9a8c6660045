/**
 * Installs the native kernels as overrides on tfjs's wasm backend (the `wasm-native` backend).
 * Call after importing @tensorflow/tfjs-backend-wasm and before running ops; idempotent.
 */
import { availableParallelism } from 'node:os';
import { blasThreadsForRank, ENV } from '@orquesta/protocol';
import * as tf from '@tensorflow/tfjs-core';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { type BlasInfo, loadAddon } from './addon.js';
import { batchMatMulOverride } from './kernels/batch-mat-mul.js';
import { binaryOverrides } from './kernels/binary.js';
import { sharedIdentityOverride } from './kernels/identity.js';
import { castOverride } from './kernels/cast.js';
import { FUSED_KERNELS, registerFusedKernels } from './kernels/fused.js';
import { gatherOverride } from './kernels/gather.js';
import { maxOverride, meanOverride, sumOverride } from './kernels/reduce.js';
import { transposeOverride } from './kernels/transpose.js';
import { unaryOverrides } from './kernels/unary.js';
import { installOverride, overriddenKernels } from './override.js';
import { checkWasmInternals } from './wasm-heap.js';

export interface NativeKernelOptions {
  /**
   * OpenBLAS threads in this process. Defaults to ORQUESTA_BLAS_THREADS, else the machine's
   * cores divided by LOCAL_WORLD_SIZE (the workers on this machine), at least 1.
   */
  readonly blasThreads?: number;
}

export interface NativeKernelReport {
  /** Kernels that run natively (falling back to wasm for cases they do not handle). */
  readonly kernels: readonly string[];
  readonly blas: BlasInfo;
}

/** BLAS threads for this process so that the workers on one machine never oversubscribe it. */
export function defaultBlasThreads(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const local = Number(env[ENV.localWorldSize]);
  return blasThreadsForRank(env, cores, Number.isInteger(local) && local >= 1 ? local : 1);
}

/** Registers the pure-JS, buffer-sharing Identity on wasm (no addon needed). */
export function installSharedIdentity(): void {
  installOverride(sharedIdentityOverride());
}

/**
 * @throws {NativeKernelsUnavailableError} when the addon is not built or does not load.
 * @throws {WasmInternalsChangedError} when tfjs-backend-wasm is not the pinned version or lacks
 * the fields the zero-copy kernels use.
 */
let lastReport: NativeKernelReport | undefined;

/** What the last `installNativeKernels` set up, or undefined when it has not run. */
export function nativeKernelReport(): NativeKernelReport | undefined {
  return lastReport;
}

export function installNativeKernels(options: NativeKernelOptions = {}): NativeKernelReport {
  const addon = loadAddon();
  checkWasmInternals(tf.findBackend('wasm'), version_wasm);
  addon.setBlasThreads(options.blasThreads ?? defaultBlasThreads());
  installSharedIdentity();
  for (const o of [
    batchMatMulOverride(addon),
    sumOverride(addon),
    meanOverride(addon),
    maxOverride(addon),
    gatherOverride(addon),
    transposeOverride(addon),
    ...unaryOverrides(addon),
    ...binaryOverrides(addon),
    castOverride(addon),
  ]) {
    installOverride(o);
  }
  registerFusedKernels(addon);
  const fused = Object.values(FUSED_KERNELS);
  lastReport = { kernels: [...overriddenKernels().filter((k) => k !== 'Identity'), ...fused], blas: addon.blasInfo() };
  return lastReport;
}
