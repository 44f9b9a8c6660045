/**
 * Everything a language-model worker needs from a spec, built in one call.
 *   1. Load the tokenizer from the cache path, or train it on the train text (char: every
 *      character; bpe: tokenizer.vocab_size ids) and write it.
 *   2. Stream the text line by line into one token stream; line breaks are tokens too.
 *   3. Without data.valid, hold out the last data.holdout fraction of the stream for validation
 *      (cut at a line break, so no line is split between the two).
 *   4. Windows of T = data.max_len tokens, B = floor(max_tokens_per_batch / T) per batch
 *      (B * T <= budget, no padding); build this rank's resumable iterator and validation share.
 */
import { resolve } from 'node:path';
import type { LmBatch } from '../batching/batch-types.js';
import { shardEvalBatches } from '../batching/eval-batches.js';
import { materializeWindows } from '../batching/materialize.js';
import { windowPlanner } from '../batching/window-planner.js';
import { minWindowBatches, planWindows } from '../batching/window-plan.js';
import { IntBuffer } from '../corpus/int-buffer.js';
import { DataConfigError } from '../errors.js';
import { BatchIterator } from '../iterator/batch-iterator.js';
import { fileSha256 } from '../readers/file-digest.js';
import type { ReadReport } from '../readers/malformed.js';
import { forEachTextLine, type TextLine } from '../readers/text-reader.js';
import { checkRank } from '../sharding/shard.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { DataReport } from './data-report.js';
import { loadOrTrainTokenizer } from './tokenizer-cache.js';
import { trainTokenizer } from './train-tokenizer.js';
import type { DataPipelineOptions, DataPipelineSpec } from './translation-data.js';

export interface LanguageModelData {
  readonly tokenizer: Tokenizer;
  /** This rank's endless train batches; wrap it in a Prefetcher for training. */
  readonly train: BatchIterator<LmBatch>;
  /** The train text as one token stream (the same on every rank); windows are cut from it. */
  readonly trainStream: Int32Array;
  /** This rank's validation batches in stream order; every rank has the same count. Empty without data.valid. */
  readonly valid: readonly LmBatch[];
  readonly report: DataReport;
}

/** A line as the model sees it: its text and, unless it is an unterminated last line, its line break. */
const withBreak = (line: TextLine): string => (line.terminated ? line.text + '\n' : line.text);

/**
 * Builds the language-model pipeline (tokenizer.shared and data.columns do not apply). Rejects
 * with DataConfigError (window or budget that cannot work, corpus too small for the world size),
 * CorpusReadError, MalformedLineError (data.malformed fail) or the file system's error when the
 * tokenizer cannot be written.
 */
export async function createLanguageModelData(spec: DataPipelineSpec, options: DataPipelineOptions): Promise<LanguageModelData> {
  const { rank, worldSize } = options;
  checkRank(rank, worldSize);
  const { data, tokenizer: tok, training } = spec;
  const len = data.max_len;
  const batchSize = Math.floor(training.max_tokens_per_batch / len);
  if (batchSize < 1)
    throw new DataConfigError('training.max_tokens_per_batch', `${training.max_tokens_per_batch} tokens cannot hold one window of data.max_len ${len}`);
  const base = options.baseDir ?? process.cwd();
  const policy = { malformed: data.malformed };
  const trainFile = resolve(base, data.train);
  const provenance = { corpusSha256: await fileSha256(trainFile), fields: 'text', requestedVocabSize: tok.kind === 'bpe' ? tok.vocab_size : 0 };
  const cached = await loadOrTrainTokenizer(options.tokenizerPath, tok.kind, provenance, () =>
    trainTokenizer(tok.kind, tok.vocab_size, provenance, (add) => forEachTextLine(trainFile, policy, (line) => add(withBreak(line)))),
  );
  const tokenizer = cached.tokenizer;

  const tokenise = async (file: string): Promise<{ stream: Int32Array; read: ReadReport }> => {
    const ids = new IntBuffer(1 << 20);
    const read = await forEachTextLine(file, policy, (line) => ids.append(tokenizer.encode(withBreak(line))));
    return { stream: ids.toArray(), read };
  };
  const whole = await tokenise(trainFile);
  const held = data.valid === undefined && (data.holdout ?? 0) > 0 ? holdOut(whole.stream, data.holdout ?? 0, tokenizer.encode('\n')) : undefined;
  const train = held ? { stream: held.train, read: whole.read } : whole;
  if (minWindowBatches(train.stream.length, len, batchSize) < worldSize) {
    throw new DataConfigError(
      'resources.workers',
      `${train.stream.length} training tokens in batches of ${batchSize} x ${len} cannot give each of ${worldSize} ranks a batch`,
    );
  }
  const iterator = new BatchIterator(windowPlanner(train.stream, len, batchSize), { seed: training.seed, rank, worldSize });
  const valid = data.valid !== undefined ? await tokenise(resolve(base, data.valid)) : held ? { stream: held.valid, read: whole.read } : undefined;
  let validBatches: LmBatch[] = [];
  if (valid !== undefined) {
    const plan = planWindows(valid.stream.length, len, batchSize, worldSize);
    validBatches = shardEvalBatches(plan, (starts) => materializeWindows(valid.stream, starts, len), rank, worldSize);
    if (validBatches.length === 0)
      throw new DataConfigError(
        held ? 'data.holdout' : 'data.valid',
        `${valid.stream.length} validation tokens in batches of ${batchSize} x ${len} cannot give each of ${worldSize} ranks a batch`,
      );
  }
  return {
    tokenizer,
    train: iterator,
    trainStream: train.stream,
    valid: validBatches,
    report: {
      tokenizers: [cached.report],
      train: { read: train.read, size: train.stream.length },
      ...(valid ? { valid: { read: valid.read, size: valid.stream.length, ...(held ? { heldOut: { fraction: data.holdout ?? 0 } } : {}) } } : {}),
      batchesPerEpoch: iterator.batchesPerEpoch(0),
      droppedPerEpoch: iterator.droppedInEpoch(0),
      validBatches: validBatches.length,
    },
  };
}

/**
 * Splits a token stream into its first (1 - fraction) for training and the rest for validation,
 * moving the cut forward to just after the next line break when there is one.
 */
export function holdOut(stream: Int32Array, fraction: number, lineBreak: ArrayLike<number>): { train: Int32Array; valid: Int32Array } {
  let cut = Math.floor(stream.length * (1 - fraction));
  const nl = lineBreak.length === 1 ? lineBreak[0] : undefined;
  if (nl !== undefined) {
    const next = stream.indexOf(nl, cut);
    if (next >= 0 && next + 1 < stream.length) cut = next + 1;
  }
  return { train: stream.subarray(0, cut), valid: stream.subarray(cut) };
}
