/** FNV-1a over the parameters' bytes, as two 16-bit halves (exact in a Float32Array for all-gather). */
export function parameterChecksum(params: readonly Float32Array[]): [number, number] {
  let h = 0x811c9dc5;
  for (const p of params) {
    const words = new Uint32Array(p.buffer, p.byteOffset, p.length);
    for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 0x01000193) >>> 0;
  }
  return [h >>> 16, h & 0xffff];
}
