/**
 * A tokenizer cache file: load it when it was trained the way the spec asks, on the same corpus
 * bytes; otherwise train and (atomically) write it. Ranks that train at once write identical files,
 * since training is deterministic.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TokenizerFileError } from '../errors.js';
import { loadTokenizer, saveTokenizer } from '../tokenizer/tokenizer-file.js';
import type { Tokenizer, TokenizerKind, TokenizerProvenance } from '../tokenizer/tokenizer.js';

/** What happened to a cache file: `loaded`; `trained` (no file); retrained because it was `stale` (another spec or corpus) or `unreadable`. */
export type TokenizerCacheOutcome = 'loaded' | 'trained' | 'stale' | 'unreadable';

export interface TokenizerCacheReport {
  readonly path: string;
  readonly outcome: TokenizerCacheOutcome;
  readonly kind: TokenizerKind;
  /** Ids in the vocabulary, special ids included. */
  readonly vocabSize: number;
  /** Wall time spent training, in milliseconds; 0 when loaded. */
  readonly trainMs: number;
}

/**
 * Loads `path` if it holds a `kind` tokenizer with exactly `provenance`, else calls `train` and
 * writes its result to `path` (creating directories). Rejects with whatever `train` rejects with,
 * or the file system's error when the file cannot be written.
 */
export async function loadOrTrainTokenizer(
  path: string,
  kind: TokenizerKind,
  provenance: TokenizerProvenance,
  train: () => Promise<Tokenizer>,
): Promise<{ tokenizer: Tokenizer; report: TokenizerCacheReport }> {
  let outcome: TokenizerCacheOutcome = 'trained';
  try {
    const cached = await loadTokenizer(path);
    const p = cached.toJSON().provenance;
    if (cached.kind === kind && p !== undefined && sameProvenance(p, provenance)) {
      return { tokenizer: cached, report: { path, outcome: 'loaded', kind, vocabSize: cached.vocabSize, trainMs: 0 } };
    }
    outcome = 'stale';
  } catch (error) {
    if (!(error instanceof TokenizerFileError)) throw error;
    const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
    outcome = code === 'ENOENT' ? 'trained' : 'unreadable';
  }
  const started = performance.now();
  const tokenizer = await train();
  const trainMs = performance.now() - started;
  await mkdir(dirname(path), { recursive: true });
  await saveTokenizer(tokenizer, path);
  return { tokenizer, report: { path, outcome, kind, vocabSize: tokenizer.vocabSize, trainMs } };
}

function sameProvenance(a: TokenizerProvenance, b: TokenizerProvenance): boolean {
  return a.corpusSha256 === b.corpusSha256 && a.fields === b.fields && a.requestedVocabSize === b.requestedVocabSize;
}
