/**
 * Everything a translation worker needs from a spec, built in one call.
 *   1. Resolve the source/target columns; hash the train file.
 *   2. Load the tokenizer(s) from the cache path, or train on the train file and write them
 *      (shared: one vocabulary over both columns; not shared: one per column).
 *   3. Stream train (and valid) pairs, tokenise them, apply data.max_len; or read the token ids a
 *      previous start cached beside the tokenizer for the same corpus bytes and settings (corpus-cache.ts).
 *   4. Build this rank's resumable train iterator and its share of the validation batches.
 * Malformed lines follow data.malformed in every pass.
 */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import type { DataSpec, TokenizerSpec, TrainingSpec } from '@orquesta/protocol';
import { DataConfigError } from '../errors.js';
import { PairCorpusBuilder, pairLengths, type PairCorpus } from '../corpus/pair-corpus.js';
import type { Seq2SeqBatch } from '../batching/batch-types.js';
import { shardEvalBatches } from '../batching/eval-batches.js';
import { materializePairs } from '../batching/materialize.js';
import { pairPlanner } from '../batching/pair-planner.js';
import { planTokenBatches } from '../batching/token-budget-plan.js';
import { BatchIterator } from '../iterator/batch-iterator.js';
import { fileSha256 } from '../readers/file-digest.js';
import { forEachPair, type PairReadOptions } from '../readers/pair-reader.js';
import { checkRank } from '../sharding/shard.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { CorpusReport, DataReport } from './data-report.js';
import { corpusCachePath, loadOrBuildCorpus } from './corpus-cache.js';
import { specColumns } from './spec-columns.js';
import { loadOrTrainTokenizer, type TokenizerCacheReport } from './tokenizer-cache.js';
import { trainTokenizer } from './train-tokenizer.js';

/** The spec sections the data pipeline reads (a validated ExperimentSpec fits). */
export interface DataPipelineSpec {
  readonly data: DataSpec;
  readonly tokenizer: TokenizerSpec;
  readonly training: TrainingSpec;
}

export interface DataPipelineOptions {
  /** This worker's rank, 0..worldSize-1. */
  readonly rank: number;
  /** Data-parallel workers (spec resources.workers). */
  readonly worldSize: number;
  /**
   * Tokenizer cache file (JSON). Loaded when it was trained for this spec on the same corpus
   * bytes, otherwise trained and written. With tokenizer.shared false the two vocabularies go to
   * `<name>.source<ext>` and `<name>.target<ext>` beside it. A relative path resolves against the
   * working directory (not baseDir).
   */
  readonly tokenizerPath: string;
  /** Directory the spec's data paths are relative to. Default: the working directory. */
  readonly baseDir?: string;
}

export interface TranslationData {
  readonly sourceTokenizer: Tokenizer;
  /** The same object as sourceTokenizer when tokenizer.shared. */
  readonly targetTokenizer: Tokenizer;
  /** This rank's endless train batches; wrap it in a Prefetcher for training. */
  readonly train: BatchIterator<Seq2SeqBatch>;
  /** The tokenised train pairs the iterator batches (the same on every rank). */
  readonly trainCorpus: PairCorpus;
  /** This rank's validation batches, short to long; every rank has the same count. Empty without data.valid. */
  readonly valid: readonly Seq2SeqBatch[];
  readonly report: DataReport;
}

/**
 * Builds the translation pipeline. Rejects with DataConfigError (spec values that cannot work:
 * missing columns, budget below the longest pair, corpus too small for the world size),
 * CorpusReadError, MalformedLineError (data.malformed fail) or the file system's error when the
 * tokenizer cannot be written.
 */
export async function createTranslationData(spec: DataPipelineSpec, options: DataPipelineOptions): Promise<TranslationData> {
  const { rank, worldSize } = options;
  checkRank(rank, worldSize);
  const { data, tokenizer: tok, training } = spec;
  const base = options.baseDir ?? process.cwd();
  const read: PairReadOptions = { ...specColumns(data), malformed: data.malformed };
  const trainFile = resolve(base, data.train);
  const sha = await fileSha256(trainFile);

  const cache = async (path: string, columns: readonly number[], sides: readonly ('source' | 'target')[]) => {
    const provenance = { corpusSha256: sha, fields: `tsv columns ${columns.join('+')}`, requestedVocabSize: tok.kind === 'bpe' ? tok.vocab_size : 0 };
    return loadOrTrainTokenizer(path, tok.kind, provenance, () =>
      trainTokenizer(tok.kind, tok.vocab_size, provenance, (add) => forEachPair(trainFile, read, (pair) => sides.forEach((side) => add(pair[side])))),
    );
  };
  const reports: TokenizerCacheReport[] = [];
  let sourceTokenizer: Tokenizer;
  let targetTokenizer: Tokenizer;
  if (tok.shared) {
    const shared = await cache(options.tokenizerPath, [read.sourceColumn, read.targetColumn], ['source', 'target']);
    reports.push(shared.report);
    sourceTokenizer = targetTokenizer = shared.tokenizer;
  } else {
    const source = await cache(sidePath(options.tokenizerPath, 'source'), [read.sourceColumn], ['source']);
    const target = await cache(sidePath(options.tokenizerPath, 'target'), [read.targetColumn], ['target']);
    reports.push(source.report, target.report);
    sourceTokenizer = source.tokenizer;
    targetTokenizer = target.tokenizer;
  }

  // The token ids depend on these, and on the corpus file's bytes: the cache file is named by them.
  const vocabularies = tokenizerDigest(sourceTokenizer, targetTokenizer);
  const tokenise = async (name: 'train' | 'valid', file: string, fileSha: string): Promise<{ corpus: PairCorpus; report: CorpusReport }> => {
    const key = { file, fileSha, vocabularies, maxLen: data.max_len, overlong: data.overlong, read };
    const path = corpusCachePath(dirname(options.tokenizerPath), name, key);
    const loaded = await loadOrBuildCorpus(path, key, async () => {
      const builder = new PairCorpusBuilder(data.max_len, data.overlong);
      const readReport = await forEachPair(file, read, (pair) =>
        builder.add(sourceTokenizer.encode(pair.source), targetTokenizer.encode(pair.target), pair.line),
      );
      const { corpus, overlong } = builder.build();
      return { corpus, report: { read: readReport, overlong, size: corpus.size } };
    });
    return { corpus: loaded.corpus, report: { ...loaded.report, cache: { path, outcome: loaded.outcome } } };
  };
  const train = await tokenise('train', trainFile, sha);
  const validFile = data.valid === undefined ? undefined : resolve(base, data.valid);
  const valid = validFile === undefined ? undefined : await tokenise('valid', validFile, await fileSha256(validFile));

  const budget = training.max_tokens_per_batch;
  const iterator = new BatchIterator(pairPlanner(train.corpus, budget), { seed: training.seed, rank, worldSize });
  const batchesPerEpoch = iterator.batchesPerEpoch(0);
  if (batchesPerEpoch === 0)
    throw new DataConfigError('resources.workers', `${train.corpus.size} training pairs cannot give each of ${worldSize} ranks a batch`);
  let validBatches: Seq2SeqBatch[] = [];
  if (valid !== undefined) {
    const plan = planTokenBatches(pairLengths(valid.corpus), budget, worldSize);
    validBatches = shardEvalBatches(plan, (items) => materializePairs(valid.corpus, items), rank, worldSize);
    if (validBatches.length === 0)
      throw new DataConfigError('data.valid', `${valid.corpus.size} validation pairs cannot give each of ${worldSize} ranks a batch`);
  }
  return {
    sourceTokenizer,
    targetTokenizer,
    train: iterator,
    trainCorpus: train.corpus,
    valid: validBatches,
    report: {
      tokenizers: reports,
      train: train.report,
      ...(valid ? { valid: valid.report } : {}),
      batchesPerEpoch,
      droppedPerEpoch: iterator.droppedInEpoch(0),
      validBatches: validBatches.length,
    },
  };
}

/** SHA-256 of the vocabularies (one when shared): two tokenizers that encode alike digest alike. */
function tokenizerDigest(source: Tokenizer, target: Tokenizer): string {
  const hash = createHash('sha256').update(JSON.stringify(source.toJSON()));
  if (target !== source) hash.update(JSON.stringify(target.toJSON()));
  return hash.digest('hex');
}

/** `dir/name.ext` -> `dir/name.<side>.ext` (or `path.<side>` without an extension). */
export function sidePath(path: string, side: 'source' | 'target'): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? `${path.slice(0, dot)}.${side}${path.slice(dot)}` : `${path}.${side}`;
}
