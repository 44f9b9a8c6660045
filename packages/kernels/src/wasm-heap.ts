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
  /** Tensors sharing this data (tfjs-backend-wasm's reference count). */
  refCount?: number;
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

/**
 * Overwrites a float32 tensor's values on the wasm heap in place, when it is the only tensor holding its
 * data (a variable between steps): one copy, no allocation. Returns false, changing nothing, when the
 * data is shared, not float32 on this heap, or of another length; the caller then assigns a new tensor.
 */
export function overwriteTensorData(backend: unknown, tensor: tf.Tensor, values: Float32Array): boolean {
  const b = backend as Partial<WasmBackendInternals>;
  const data = b.dataIdMap?.get(tensor.dataId);
  const offset = data?.memoryOffset;
  const heap = b.wasm?.HEAPU8;
  if (!data || data.refCount !== 1 || tensor.dtype !== 'float32' || tensor.size !== values.length || !heap) return false;
  if (offset === null || offset === undefined || offset % 4 !== 0 || offset + 4 * values.length > heap.byteLength) return false;
  new Float32Array(heap.buffer, heap.byteOffset + offset, values.length).set(values);
  return true;
}
