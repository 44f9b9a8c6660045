/** Z85 (ZeroMQ RFC 32), the text form of CURVE keys: 5 characters per 4 bytes, big-endian. */
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const VALUES = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

/** Bytes of a Z85 string; undefined when its length is not a multiple of 5 or it has a foreign character. */
export function z85Decode(text: string): Buffer | undefined {
  if (text.length % 5 !== 0) return undefined;
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const digit = VALUES.get(text[i + j] ?? '');
      if (digit === undefined) return undefined;
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) return undefined;
    out.writeUInt32BE(value, (i / 5) * 4);
  }
  return out;
}

/** Z85 text of `bytes` (length a multiple of 4). */
export function z85Encode(bytes: Uint8Array): string {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out = '';
  for (let i = 0; i + 4 <= view.length; i += 4) {
    let value = view.readUInt32BE(i);
    let chunk = '';
    for (let j = 0; j < 5; j++) {
      chunk = (ALPHABET[value % 85] ?? '') + chunk;
      value = Math.floor(value / 85);
    }
    out += chunk;
  }
  return out;
}
