import { describe, expect, it } from 'vitest';
import { curveKeyPair } from 'zeromq';
import { z85Decode, z85Encode } from './z85.js';

describe('z85', () => {
  it('matches the RFC 32 test vector', () => {
    const bytes = Buffer.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    expect(z85Encode(bytes)).toBe('HelloWorld');
    expect(z85Decode('HelloWorld')).toEqual(bytes);
  });

  it('decodes CURVE keys to 32 bytes and back', () => {
    const { publicKey } = curveKeyPair();
    const raw = z85Decode(publicKey);
    expect(raw?.length).toBe(32);
    expect(z85Encode(raw as Buffer)).toBe(publicKey);
  });

  it('rejects text that is not Z85', () => {
    expect(z85Decode('Hello')).toEqual(Buffer.from([0x86, 0x4f, 0xd2, 0x6f]));
    expect(z85Decode('Hell')).toBeUndefined();
    expect(z85Decode('Hell~')).toBeUndefined();
    expect(z85Decode('#####')).toBeUndefined(); // above 2^32
  });
});
