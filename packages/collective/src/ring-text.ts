/** Elements of a short ASCII text as it travels in an all-gather: its length, then one character code per element. */
export const RING_TEXT_LENGTH = 257;

/** `text` (at most 256 ASCII characters) as integer-valued floats, exact through an all-gather. */
export function encodeRingText(text: string): Float32Array {
  const out = new Float32Array(RING_TEXT_LENGTH);
  const n = Math.min(text.length, RING_TEXT_LENGTH - 1);
  out[0] = n;
  for (let i = 0; i < n; i++) out[i + 1] = text.charCodeAt(i) & 0x7f;
  return out;
}

export function decodeRingText(data: Float32Array): string {
  const n = Math.min(data[0] ?? 0, RING_TEXT_LENGTH - 1);
  return String.fromCharCode(...data.subarray(1, 1 + n));
}
