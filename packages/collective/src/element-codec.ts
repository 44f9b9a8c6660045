import { decodeFp16, encodeFp16 } from './fp16.js';
import { addInto, addIntoBoth, bytesOf, float32View, uint16View } from './kernels.js';
import { DTYPE, type Dtype } from './wire.js';

/**
 * How tensor elements travel: float32 as is, or converted to fp16. Every method works on one segment and
 * returns the payload to forward to the next rank (the received buffer itself, reused in place).
 */
export interface ElementCodec {
  readonly dtype: Dtype;
  /** A payload holding `segment`; for float32 it aliases `segment` (no copy). */
  encode(segment: Float32Array): Buffer;
  /** payload += local (a partial sum travelling on). */
  accumulate(payload: Buffer, local: Float32Array): Buffer;
  /** payload += local, and local := the value as sent, so the reducing rank keeps exactly what others get. */
  accumulateFinal(payload: Buffer, local: Float32Array): Buffer;
  /** local := payload's values. */
  store(payload: Buffer, local: Float32Array): Buffer;
}

export const float32Codec: ElementCodec = {
  dtype: DTYPE.f32,
  encode: (segment) => bytesOf(segment),
  accumulate(payload, local) {
    const v = float32View(payload);
    addInto(v, local);
    return bytesOf(v);
  },
  accumulateFinal(payload, local) {
    const v = float32View(payload);
    addIntoBoth(v, local);
    return bytesOf(v);
  },
  store(payload, local) {
    local.set(float32View(payload));
    return payload;
  },
};

/** fp16 on the wire, float32 arithmetic: each hop decodes, adds in float32 and re-encodes the partial sum. */
export class Fp16Codec implements ElementCodec {
  readonly dtype = DTYPE.f16;
  private scratch = new Float32Array(0);

  encode(segment: Float32Array): Buffer {
    const out = new Uint16Array(segment.length);
    encodeFp16(segment, out);
    return bytesOf(out);
  }

  accumulate(payload: Buffer, local: Float32Array): Buffer {
    const wire = uint16View(payload);
    const sum = this.sum(wire, local);
    encodeFp16(sum, wire);
    return bytesOf(wire);
  }

  accumulateFinal(payload: Buffer, local: Float32Array): Buffer {
    const wire = uint16View(payload);
    encodeFp16(this.sum(wire, local), wire);
    decodeFp16(wire, local);
    return bytesOf(wire);
  }

  store(payload: Buffer, local: Float32Array): Buffer {
    decodeFp16(uint16View(payload), local);
    return payload;
  }

  /** scratch[0..n) = float(wire) + local, in a buffer reused across segments and operations. */
  private sum(wire: Uint16Array, local: Float32Array): Float32Array {
    if (this.scratch.length < wire.length) this.scratch = new Float32Array(wire.length);
    const s = this.scratch.subarray(0, wire.length);
    decodeFp16(wire, s);
    addInto(s, local);
    return s;
  }
}
