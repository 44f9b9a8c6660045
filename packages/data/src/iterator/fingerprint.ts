/**
 * A 64-bit (two FNV-1a 32-bit lanes) hex digest of numbers and strings. It identifies a corpus
 * and its batching options inside an iterator state; it is not a cryptographic hash.
 */
export function fingerprint(...parts: readonly (number | string | Int32Array)[]): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const eat = (x: number): void => {
    a = Math.imul(a ^ (x & 0xffff), 0x01000193);
    a = Math.imul(a ^ (x >>> 16), 0x01000193);
    b = Math.imul(b ^ (x >>> 16), 0x01000193);
    b = Math.imul(b ^ (x & 0xffff), 0x01000193);
  };
  for (const part of parts) {
    if (typeof part === 'string') {
      eat(part.length);
      for (let i = 0; i < part.length; i++) eat(part.charCodeAt(i));
    } else if (typeof part === 'number') {
      eat(part >>> 0);
      eat(Math.floor(part / 2 ** 32) >>> 0);
    } else {
      eat(part.length);
      for (const x of part) eat(x >>> 0);
    }
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
