/**
 * The internal parts of tfjs-backend-wasm 4.22.0 that zero-copy kernels use: where a tensor's
 * bytes live on the wasm heap, how to allocate an output there, and the heap itself. They are
 * not public API, so `checkWasmInternals` verifies them once before any override is installed.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { WasmInternalsChangedError } from './errors.js';

/** The exact tfjs-backend-wasm version the overrides were written against. */
export const PINNED_WASM_VERSION = '4.22.0';

interface TensorData {
  memoryOffset: number | null;
}

export interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): TensorData | undefined };
  wasm: { HEAPU8: Uint8Array };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  incRef(dataId: object): void;
}

/** Heap access for kernels. Read `heap` only after a call's last `output`: malloc may grow it. */
export class WasmHeap {
  constructor(private readonly backend: WasmBackendInternals) {}

  /** Element offset (float32 units) of a tensor's data. */
  offset(t: tf.TensorInfo): number {
    const data = this.backend.dataIdMap.get(t.dataId);
    const bytes = data?.memoryOffset;
    if (bytes === null || bytes === undefined || bytes % 4 !== 0) {
      throw new WasmInternalsChangedError(`tensor data has no 4-byte aligned memoryOffset on the wasm heap (got ${String(bytes)})`);
    }
    return bytes / 4;
  }

  output(shape: number[], dtype: tf.DataType = 'float32'): tf.TensorInfo {
    return this.backend.makeOutput(shape, dtype);
  }

  get heap(): ArrayBufferLike {
    return this.backend.wasm.HEAPU8.buffer;
  }
}

/**
 * @throws {WasmInternalsChangedError} when the installed backend is not the pinned version or
 * lacks a field the overrides rely on.
 */
export function checkWasmInternals(backend: unknown, version: string): WasmBackendInternals {
  if (version !== PINNED_WASM_VERSION) {
    throw new WasmInternalsChangedError(`native kernels were written against @tensorflow/tfjs-backend-wasm ${PINNED_WASM_VERSION}; ${version} is installed`);
  }
  if (backend === null || backend === undefined) {
    throw new WasmInternalsChangedError(
      "the wasm backend is not initialised: call tf.setBackend('wasm') and await tf.ready() before installing native kernels",
    );
  }
  const b = backend as Partial<WasmBackendInternals>;
  const missing = [
    typeof b?.dataIdMap?.get !== 'function' && 'dataIdMap.get',
    !(b?.wasm?.HEAPU8 instanceof Uint8Array) && 'wasm.HEAPU8',
    typeof b?.makeOutput !== 'function' && 'makeOutput',
    typeof b?.incRef !== 'function' && 'incRef',
  ].filter((x): x is string => typeof x === 'string');
  if (missing.length > 0) throw new WasmInternalsChangedError(`tfjs-backend-wasm lacks ${missing.join(', ')}: native kernels cannot run on it`);
  return b as WasmBackendInternals;
}

const heaps = new WeakMap<object, WasmHeap>();

/** The one WasmHeap of a backend instance (kernels run thousands of times per step; no allocation each). */
export function heapFor(backend: unknown): WasmHeap {
  const b = backend as WasmBackendInternals;
  let heap = heaps.get(b);
  if (!heap) {
    heap = new WasmHeap(b);
    heaps.set(b, heap);
  }
  return heap;
}
