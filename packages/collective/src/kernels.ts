/** Element-wise kernels of the reductions, written for V8 (4-way unrolled, no allocation). */

/** dst[i] += src[i]; both of the same length. */
export function addInto(dst: Float32Array, src: Float32Array): void {
  const n = dst.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    dst[i] = (dst[i] as number) + (src[i] as number);
    dst[i + 1] = (dst[i + 1] as number) + (src[i + 1] as number);
    dst[i + 2] = (dst[i + 2] as number) + (src[i + 2] as number);
    dst[i + 3] = (dst[i + 3] as number) + (src[i + 3] as number);
  }
  for (; i < n; i++) dst[i] = (dst[i] as number) + (src[i] as number);
}

/** sum[i] += local[i], and local[i] = sum[i]: the final reduce-scatter step in one pass. */
export function addIntoBoth(sum: Float32Array, local: Float32Array): void {
  const n = sum.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    local[i] = sum[i] = (sum[i] as number) + (local[i] as number);
    local[i + 1] = sum[i + 1] = (sum[i + 1] as number) + (local[i + 1] as number);
    local[i + 2] = sum[i + 2] = (sum[i + 2] as number) + (local[i + 2] as number);
    local[i + 3] = sum[i + 3] = (sum[i + 3] as number) + (local[i + 3] as number);
  }
  for (; i < n; i++) local[i] = sum[i] = (sum[i] as number) + (local[i] as number);
}

/** data[i] /= divisor. */
export function divideInPlace(data: Float32Array, divisor: number): void {
  for (let i = 0, n = data.length; i < n; i++) data[i] = (data[i] as number) / divisor;
}

/** A Buffer over the bytes of a typed array, without copying. */
export function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * A Float32Array over a received payload; copies it first when its address is not 4-byte aligned (small
 * messages may sit at any offset of a receive buffer).
 */
export function float32View(payload: Buffer): Float32Array {
  const aligned = payload.byteOffset % 4 === 0 ? payload : alignedCopy(payload);
  return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4);
}

/** A Uint16Array over a received payload, copying it first when not 2-byte aligned. */
export function uint16View(payload: Buffer): Uint16Array {
  const aligned = payload.byteOffset % 2 === 0 ? payload : alignedCopy(payload);
  return new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2);
}

function alignedCopy(payload: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(payload.length);
  payload.copy(copy);
  return copy;
}
