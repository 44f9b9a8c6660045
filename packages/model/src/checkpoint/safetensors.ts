/**
 * The safetensors format (what PyTorch and Hugging Face read):
 *   8 bytes   little-endian u64 N, the header length
 *   N bytes   UTF-8 JSON: { "<name>": { dtype, shape, data_offsets: [begin, end] }, ...,
 *             "__metadata__": { string: string } }, padded with spaces to a multiple of 8
 *   rest      the tensors' raw little-endian bytes, at their offsets, in header order
 * Only F32 and I32 are written here; reading also accepts them only, and checks every offset.
 */
import { CheckpointFormatError } from '../errors.js';

export interface NamedArray {
  readonly dtype: 'F32' | 'I32';
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
}

export interface SafetensorsFile {
  readonly tensors: Map<string, NamedArray>;
  readonly metadata: Record<string, string>;
}

const HEADER_LIMIT = 100 * 1024 * 1024;

export function encodeSafetensors(tensors: ReadonlyMap<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  const parts = encodeSafetensorsParts(tensors, metadata);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * The file as its parts, back to back: the length and header, then a view of each tensor's own bytes
 * (no copy), so a large model is written without a second copy of its weights in memory.
 */
export function encodeSafetensorsParts(tensors: ReadonlyMap<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array[] {
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw new CheckpointFormatError(`tensor ${name}: shape [${t.shape.join(', ')}] holds ${count} values, data has ${t.data.length}`);
  }
  const prefix = safetensorsPrefix(
    [...tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape })),
    metadata,
  );
  return [prefix, ...[...tensors.values()].map((t) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))];
}

/**
 * The length and header of a file whose tensors (4-byte elements) follow in `entries` order, for
 * writers that produce the tensors' bytes later (streamed).
 */
export function safetensorsPrefix(
  entries: readonly { readonly name: string; readonly dtype: NamedArray['dtype']; readonly shape: readonly number[] }[],
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const { name, dtype, shape } of entries) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = new Uint8Array(8 + headerBytes.length);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  prefix.set(headerBytes, 8);
  return prefix;
}

/** @throws {CheckpointFormatError} on anything that is not well-formed F32/I32 safetensors. */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) throw new CheckpointFormatError(`file of ${bytes.length} bytes is too short for safetensors`);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  if (n > HEADER_LIMIT || 8 + n > bytes.length) throw new CheckpointFormatError(`header length ${n} does not fit a file of ${bytes.length} bytes`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new CheckpointFormatError('safetensors header is not valid JSON', { cause });
  }
  const body = 8 + n;
  const dataLength = bytes.length - body;
  const tensors = new Map<string, NamedArray>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = raw as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    const [begin, end] = entry.data_offsets ?? [-1, -1];
    if (entry.dtype !== 'F32' && entry.dtype !== 'I32')
      throw new CheckpointFormatError(`tensor ${name}: dtype ${String(entry.dtype)} is not supported (F32, I32)`);
    if (!Array.isArray(entry.shape) || !(begin >= 0 && end >= begin && end <= dataLength))
      throw new CheckpointFormatError(`tensor ${name}: bad shape or offsets`);
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * 4) throw new CheckpointFormatError(`tensor ${name}: ${end - begin} bytes for ${count} values`);
    // A view where the bytes are 4-byte aligned in a buffer of their own (a large file read whole);
    // otherwise a fresh, aligned copy (a small Node Buffer may sit in the shared pool, unaligned).
    const at = bytes.byteOffset + body + begin;
    const own = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength && at % 4 === 0;
    const source = own ? bytes.buffer : new Uint8Array(bytes.subarray(body + begin, body + end)).buffer;
    const from = own ? at : 0;
    const data = entry.dtype === 'F32' ? new Float32Array(source, from, count) : new Int32Array(source, from, count);
    tensors.set(name, { dtype: entry.dtype, shape: entry.shape, data });
  }
  const metadata = (header['__metadata__'] ?? {}) as Record<string, string>;
  return { tensors, metadata };
}
