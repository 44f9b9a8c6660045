/**
 * The N-API addon (native/src). Offsets and strides are in float32 elements; `heap` is the
 * wasm backend's memory (or any ArrayBuffer). Every function checks bounds and throws on a
 * bad call without touching memory.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV } from '@orquesta/protocol';
import { NativeKernelsUnavailableError } from './errors.js';

type Heap = ArrayBufferLike;

export interface BlasInfo {
  /** OpenBLAS build string, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Haswell MAX_THREADS=64". */
  readonly config: string;
  /** The core kernels OpenBLAS picked (OPENBLAS_CORETYPE overrides its detection). */
  readonly core: string;
  readonly threads: number;
}

export const UnaryOp = { exp: 0, sqrt: 1, rsqrt: 2, square: 3, relu: 4, neg: 5 } as const;
export const BinaryOp = { add: 0, sub: 1, mul: 2, div: 3 } as const;

export interface NativeAddon {
  gemm(
    heap: Heap,
    transposeA: number,
    transposeB: number,
    batch: number,
    m: number,
    n: number,
    k: number,
    offA: number,
    strideA: number,
    offB: number,
    strideB: number,
    offC: number,
    strideC: number,
  ): void;
  sum(heap: Heap, offX: number, outer: number, red: number, inner: number, offOut: number): void;
  mean(heap: Heap, offX: number, outer: number, red: number, inner: number, offOut: number): void;
  max(heap: Heap, offX: number, outer: number, red: number, inner: number, offOut: number): void;
  gather(heap: Heap, offTable: number, rows: number, d: number, offIndices: number, n: number, offOut: number): void;
  unary(heap: Heap, op: number, offX: number, n: number, offOut: number): void;
  binary(heap: Heap, op: number, shape: number[], offA: number, stridesA: number[], offB: number, stridesB: number[], offOut: number): void;
  cast(heap: Heap, toInt: number, offX: number, n: number, offOut: number): void;
  transpose(heap: Heap, shape: number[], perm: number[], offX: number, offOut: number): void;
  keepMask(out: Heap | Float32Array, offset: number, n: number, seed: number, rate: number): void;
  layerNorm(
    heap: Heap,
    offX: number,
    offGamma: number,
    offBeta: number,
    rows: number,
    d: number,
    eps: number,
    offY: number,
    offXhat: number,
    offRstd: number,
  ): void;
  layerNormGrad(
    heap: Heap,
    offDy: number,
    offXhat: number,
    offRstd: number,
    offGamma: number,
    rows: number,
    d: number,
    offDx: number,
    offDgamma: number,
    offDbeta: number,
  ): void;
  softmaxXent(
    heap: Heap,
    offLogits: number,
    offTargets: number,
    offWeights: number,
    n: number,
    v: number,
    epsilon: number,
    offLoss: number,
    offGrad: number,
  ): void;
  adam(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    b1: number,
    b2: number,
    c1: number,
    c2: number,
    eps: number,
    decay: number,
    gradScale: number,
  ): void;
  sumSquares(x: Float32Array): number;
  blasInfo(): BlasInfo;
  setBlasThreads(n: number): void;
}

/** Where `npm run build:native` puts the addon (relative to src/ and dist/ alike). */
export const ADDON_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'native', 'build', 'Release', 'orquesta_kernels.node');

let loaded: NativeAddon | undefined;

/**
 * Loads the addon once.
 * @throws {NativeKernelsUnavailableError} when it is not built or fails to load.
 */
export function loadAddon(): NativeAddon {
  if (loaded) return loaded;
  if (process.env[ENV.nativeKernels] === 'off') throw new NativeKernelsUnavailableError(`native kernels are switched off (${ENV.nativeKernels}=off)`);
  if (process.platform !== 'linux') throw new NativeKernelsUnavailableError(`native kernels are built for Linux only (this is ${process.platform})`);
  if (!existsSync(ADDON_PATH)) {
    throw new NativeKernelsUnavailableError(
      `native kernels are not built (${ADDON_PATH} is missing): install a C compiler and libopenblas-dev, then run \`npm run build:native -w @orquesta/kernels\``,
    );
  }
  try {
    loaded = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (cause) {
    throw new NativeKernelsUnavailableError(`native kernels failed to load from ${ADDON_PATH} (is libopenblas0-pthread installed?)`, { cause });
  }
  return loaded;
}

/** True when the addon is built and loads on this machine. */
export function nativeKernelsAvailable(): boolean {
  try {
    loadAddon();
    return true;
  } catch {
    return false;
  }
}
