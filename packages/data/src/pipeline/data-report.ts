import type { OverlongReport } from '../corpus/pair-corpus.js';
import { formatReadReport, type ReadReport } from '../readers/malformed.js';
import type { CorpusCacheOutcome } from './corpus-cache.js';
import type { TokenizerCacheReport } from './tokenizer-cache.js';

/** One corpus after reading and tokenising. */
export interface CorpusReport {
  readonly read: ReadReport;
  /** Translation only: pairs dropped or truncated by data.max_len. */
  readonly overlong?: OverlongReport;
  /** Pairs kept (translation) or tokens in the stream (language model). */
  readonly size: number;
  /** Language model with data.holdout: this corpus is that fraction of the train text. */
  readonly heldOut?: { readonly fraction: number };
  /** Translation: the tokenised corpus's cache file and whether it was loaded or built (corpus-cache.ts). */
  readonly cache?: { readonly path: string; readonly outcome: CorpusCacheOutcome };
}

/** What building the data pipeline found, for the caller to log. */
export interface DataReport {
  readonly tokenizers: readonly TokenizerCacheReport[];
  readonly train: CorpusReport;
  readonly valid?: CorpusReport;
  /** Batches each rank takes in epoch 0 (it varies slightly between translation epochs). */
  readonly batchesPerEpoch: number;
  /** Items (pairs or windows) in no batch of epoch 0: the remainder that could not be shared equally. */
  readonly droppedPerEpoch: number;
  /** Validation batches of this rank. */
  readonly validBatches: number;
}

/** The report as log lines. */
export function formatDataReport(report: DataReport): string[] {
  const lines = report.tokenizers.map(
    (t) => `tokenizer ${t.path}: ${t.outcome} (${t.kind}, ${t.vocabSize} ids${t.trainMs > 0 ? `, trained in ${(t.trainMs / 1000).toFixed(2)} s` : ''})`,
  );
  for (const [name, c] of [
    ['train', report.train],
    ['valid', report.valid],
  ] as const) {
    if (c === undefined) continue;
    if (c.heldOut) lines.push(`${name}: the last ${c.size} tokens (${(c.heldOut.fraction * 100).toFixed(0)} %) of ${c.read.file}, held out (data.holdout)`);
    else lines.push(`${name}: ${formatReadReport(c.read)}`);
    if (c.cache) lines.push(`${name}: token ids ${c.cache.outcome === 'loaded' ? 'loaded from' : `${c.cache.outcome} into`} ${c.cache.path}`);
    if (name === 'train' && report.valid?.heldOut) lines.push(`train: ${c.size} tokens before the held-out part`);
    if (c.overlong && (c.overlong.dropped > 0 || c.overlong.truncated > 0)) {
      lines.push(`${name}: ${c.overlong.dropped} pairs dropped, ${c.overlong.truncated} truncated (longer than max_len ${c.overlong.maxLen})`);
    }
  }
  lines.push(
    `batches per rank per epoch: ${report.batchesPerEpoch} (${report.droppedPerEpoch} items left out of epoch 0); validation batches: ${report.validBatches}`,
  );
  return lines;
}
