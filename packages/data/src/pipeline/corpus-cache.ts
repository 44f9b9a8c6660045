/**
 * A tokenised pair corpus kept on disk beside the tokenizer, so a worker that starts again (a
 * restart, a peer-recovery replacement) reads its ids instead of tokenising the corpus again.
 *
 * The file's name carries a digest of everything its contents depend on (format version, the corpus
 * file's bytes, the tokenizers' vocabularies, max_len, the overlong and malformed policies, the
 * columns), so another spec or corpus never reads it: it builds and writes its own.
 *
 * File layout (little-endian):
 *   bytes 0..7    magic "OQCORP01"
 *   bytes 8..11   u32 header length H
 *   bytes 12..    header, H bytes of JSON: { key, report, lengths: [srcOffsets, tgtOffsets, srcIds, tgtIds, lines], sha256 }
 *   then          the five Int32Arrays in that order, each `lengths[i]` elements; `sha256` is the
 *                 digest of these bytes.
 * Written to a temporary file and renamed, so readers never see half a file; ranks building at once
 * write identical bytes.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PairCorpus } from '../corpus/pair-corpus.js';
import type { CorpusReport } from './data-report.js';

const MAGIC = Buffer.from('OQCORP01', 'latin1');
const FORMAT = 1;
const ARRAYS = ['srcOffsets', 'tgtOffsets', 'srcIds', 'tgtIds', 'lines'] as const;

/** What happened to the cache file: `loaded`, or `built` and written (none yet, or unreadable: `rebuilt`). */
export type CorpusCacheOutcome = 'loaded' | 'built' | 'rebuilt';

interface Header {
  readonly key: string;
  readonly report: CorpusReport;
  readonly lengths: readonly number[];
  readonly sha256: string;
}

/**
 * The cache file for a corpus in `dir`: `corpus-<name>-<digest of key>.bin`.
 * @param key every input the tokenised corpus depends on, as a JSON-able value.
 */
export function corpusCachePath(dir: string, name: string, key: unknown): string {
  return join(dir, `corpus-${name}-${keyDigest(key).slice(0, 16)}.bin`);
}

/**
 * Loads the corpus cached at `path` for `key`, or calls `build` and writes its result there (creating
 * the directory). A file that is damaged or was written for another key is built again and replaced.
 * Rejects with what `build` rejects with, or the file system's error when the file cannot be written.
 */
export async function loadOrBuildCorpus(
  path: string,
  key: unknown,
  build: () => Promise<{ corpus: PairCorpus; report: CorpusReport }>,
): Promise<{ corpus: PairCorpus; report: CorpusReport; outcome: CorpusCacheOutcome }> {
  const digest = keyDigest(key);
  let bytes: Buffer | undefined;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (bytes !== undefined) {
    const cached = decodeCorpus(bytes, digest);
    if (cached !== undefined) return { ...cached, outcome: 'loaded' };
  }
  const built = await build();
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, encodeCorpus(built.corpus, built.report, digest));
  await rename(temporary, path);
  return { ...built, outcome: bytes === undefined ? 'built' : 'rebuilt' };
}

function keyDigest(key: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify({ format: FORMAT, key }))
    .digest('hex');
}

/** The file's bytes for `corpus` (see the layout above). */
function encodeCorpus(corpus: PairCorpus, report: CorpusReport, key: string): Buffer {
  const payload = Buffer.concat(ARRAYS.map((name) => Buffer.from(corpus[name].buffer, corpus[name].byteOffset, corpus[name].byteLength)));
  const header: Header = {
    key,
    report,
    lengths: ARRAYS.map((name) => corpus[name].length),
    sha256: createHash('sha256').update(payload).digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header));
  const size = Buffer.alloc(4);
  size.writeUInt32LE(json.length);
  return Buffer.concat([MAGIC, size, json, payload]);
}

/** The corpus in `bytes`, or undefined when they are not a whole, intact file written for `key`. */
function decodeCorpus(bytes: Buffer, key: string): { corpus: PairCorpus; report: CorpusReport } | undefined {
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(MAGIC)) return undefined;
  const headerEnd = 12 + bytes.readUInt32LE(8);
  if (headerEnd > bytes.length) return undefined;
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(12, headerEnd).toString('utf8')) as Header;
  } catch {
    return undefined;
  }
  if (header.key !== key || !Array.isArray(header.lengths) || header.lengths.length !== ARRAYS.length) return undefined;
  const payload = bytes.subarray(headerEnd);
  if (payload.length !== header.lengths.reduce((n, l) => n + l * 4, 0)) return undefined;
  if (createHash('sha256').update(payload).digest('hex') !== header.sha256) return undefined;
  // One aligned copy of the payload; each array is a view into it.
  const ints = new Int32Array(payload.length / 4);
  Buffer.from(ints.buffer).set(payload);
  const arrays: Int32Array[] = [];
  let at = 0;
  for (const length of header.lengths) {
    arrays.push(ints.subarray(at, at + length));
    at += length;
  }
  const [srcOffsets, tgtOffsets, srcIds, tgtIds, lines] = arrays as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
  const size = lines.length;
  if (srcOffsets.length !== size + 1 || tgtOffsets.length !== size + 1) return undefined;
  return { corpus: { size, srcOffsets, tgtOffsets, srcIds, tgtIds, lines }, report: header.report };
}
