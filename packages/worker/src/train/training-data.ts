/** The train batches, validation batches and vocabulary a worker needs, for either task. */
import { join } from 'node:path';
import {
  createLanguageModelData,
  createTranslationData,
  formatDataReport,
  Prefetcher,
  type BatchIterator,
  type BatchIteratorState,
  type DataReport,
  type RestoreOptions,
  type Tokenizer,
} from '@orquesta/data';
import type { ExperimentSpec } from '@orquesta/protocol';
import type { TrainBatch } from './trainable-model.js';

export interface TrainingData {
  readonly vocabSize: number;
  readonly valid: readonly TrainBatch[];
  /** The source and target tokenizers of a translation run (the same object when shared). */
  readonly tokenizers: { readonly source: Tokenizer; readonly target: Tokenizer } | undefined;
  readonly summary: string[];
  next(): Promise<TrainBatch>;
  state(): BatchIteratorState;
  /** Continues from a checkpoint's data state; `resize` accepts one taken with another world size (elastic). */
  restore(state: unknown, options?: RestoreOptions): void;
  close(): void;
}

/** Where the tokenizer of a run lives (trained once, reused by resumes and by translate). */
export function tokenizerPath(spec: ExperimentSpec): string {
  return join(spec.checkpoint.dir, 'tokenizer.json');
}

export async function loadTrainingData(spec: ExperimentSpec, rank: number, worldSize: number): Promise<TrainingData> {
  const options = { rank, worldSize, tokenizerPath: tokenizerPath(spec) };
  const built: {
    vocabSize: number;
    train: BatchIterator<TrainBatch>;
    valid: readonly TrainBatch[];
    report: DataReport;
    tokenizers: TrainingData['tokenizers'];
  } =
    spec.task === 'translation'
      ? await createTranslationData(spec, options).then((d) => ({
          vocabSize: d.sourceTokenizer.vocabSize,
          train: d.train as BatchIterator<TrainBatch>,
          valid: d.valid,
          report: d.report,
          tokenizers: { source: d.sourceTokenizer, target: d.targetTokenizer },
        }))
      : await createLanguageModelData(spec, options).then((d) => ({
          vocabSize: d.tokenizer.vocabSize,
          train: d.train as BatchIterator<TrainBatch>,
          valid: d.valid,
          report: d.report,
          tokenizers: undefined,
        }));
  const prefetcher = new Prefetcher(built.train);
  return {
    vocabSize: built.vocabSize,
    valid: built.valid,
    tokenizers: built.tokenizers,
    summary: formatDataReport(built.report),
    next: () => prefetcher.next(),
    state: () => prefetcher.state(),
    restore: (state, options) => prefetcher.restore(state, options),
    close: () => prefetcher.close(),
  };
}
