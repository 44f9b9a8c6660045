// Reserved ids and errors.
export { SPECIAL_IDS, SPECIAL_TOKENS, SPECIAL_COUNT, UNK_TEXT } from './special-ids.js';
export type { SpecialTokenName } from './special-ids.js';
export { CorpusReadError, DATA_ERROR_CODES, DataConfigError, DataError, IteratorStateError, MalformedLineError, TokenizerFileError } from './errors.js';
export type { DataErrorCode, TokenizerFileErrorCode } from './errors.js';

// Tokenizers.
export { BpeTokenizer } from './tokenizer/bpe-tokenizer.js';
export { BpeTrainer } from './tokenizer/bpe-trainer.js';
export type { BpeTrainerOptions } from './tokenizer/bpe-trainer.js';
export { CharTokenizer } from './tokenizer/char-tokenizer.js';
export { learnMerges } from './tokenizer/learn-merges.js';
export type { LearnedMerges, LearnMergesOptions } from './tokenizer/learn-merges.js';
export { normalizeText } from './tokenizer/normalize.js';
export { preTokenize } from './tokenizer/pre-tokenize.js';
export { loadTokenizer, saveTokenizer, tokenizerFromJson } from './tokenizer/tokenizer-file.js';
export {
  decodeTokenizerJson,
  encodeTokenizerJson,
  TOKENIZER_FORMAT,
  TOKENIZER_KINDS,
  TOKENIZER_NORMALIZATION,
  TOKENIZER_VERSION,
} from './tokenizer/tokenizer-json.js';
export type { TokenizerContent } from './tokenizer/tokenizer-json.js';
export type { BpeTokenizerJson, CharTokenizerJson, Tokenizer, TokenizerJson, TokenizerKind, TokenizerProvenance } from './tokenizer/tokenizer.js';

// Readers.
export { fileSha256 } from './readers/file-digest.js';
export { formatReadReport, MALFORMED_REASONS, MAX_MALFORMED_EXAMPLES } from './readers/malformed.js';
export type { MalformedLine, MalformedPolicy, MalformedReason, ReadReport } from './readers/malformed.js';
export { forEachPair } from './readers/pair-reader.js';
export { specColumns } from './pipeline/spec-columns.js';
export type { PairReadOptions, TextPair } from './readers/pair-reader.js';
export { forEachTextLine } from './readers/text-reader.js';
export type { TextLine } from './readers/text-reader.js';

// Corpora, batching, sharding.
export { PairCorpusBuilder, pairLengths } from './corpus/pair-corpus.js';
export type { OverlongPolicy, OverlongReport, PairCorpus } from './corpus/pair-corpus.js';
export type { LmBatch, Seq2SeqBatch } from './batching/batch-types.js';
export { planBatch, planSize } from './batching/epoch-plan.js';
export type { EpochPlan } from './batching/epoch-plan.js';
export { materializePairs, materializeWindows } from './batching/materialize.js';
export { pairPlanner } from './batching/pair-planner.js';
export { planTokenBatches } from './batching/token-budget-plan.js';
export { planWindows } from './batching/window-plan.js';
export { windowPlanner } from './batching/window-planner.js';
export { batchesPerRank, checkRank, shardBatchIndex } from './sharding/shard.js';

// Seeded generators (data order, decoding samples, dropout masks, benchmark inputs).
export { lcg32, mixSeeds, mulberry32, splitmix32, xorshift128Plus } from './random/generators.js';
export { Rng } from './random/rng.js';

// Iteration.
export { BatchIterator } from './iterator/batch-iterator.js';
export type { BatchIteratorOptions, EpochPlanner, RestoreOptions } from './iterator/batch-iterator.js';
export { parseIteratorState } from './iterator/iterator-state.js';
export type { BatchIteratorState } from './iterator/iterator-state.js';
export { Prefetcher } from './iterator/prefetcher.js';
export type { PrefetchOptions } from './iterator/prefetcher.js';

// Building everything from a spec.
export { formatDataReport } from './pipeline/data-report.js';
export type { CorpusReport, DataReport } from './pipeline/data-report.js';
export { createLanguageModelData } from './pipeline/language-model-data.js';
export type { LanguageModelData } from './pipeline/language-model-data.js';
export { loadOrTrainTokenizer } from './pipeline/tokenizer-cache.js';
export type { TokenizerCacheOutcome, TokenizerCacheReport } from './pipeline/tokenizer-cache.js';
export { createTranslationData } from './pipeline/translation-data.js';
export type { DataPipelineOptions, DataPipelineSpec, TranslationData } from './pipeline/translation-data.js';
