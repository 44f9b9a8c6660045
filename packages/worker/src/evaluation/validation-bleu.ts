/**
 * BLEU during training: rank 0 translates the first `training.eval_bleu_sentences` pairs of
 * data.valid greedily with the weights being trained and scores them against the references
 * (sacreBLEU-compatible corpus BLEU, as `orquesta evaluate`; beam search there gives a higher score).
 */
import { resolve } from 'node:path';
import { forEachPair, specColumns, type Tokenizer } from '@orquesta/data';
import type { Seq2SeqTransformer } from '@orquesta/model';
import type { ExperimentSpec } from '@orquesta/protocol';
import { translate } from '../inference/translator.js';
import { corpusBleu } from './corpus-bleu.js';

export interface ValidationBleuScore {
  /** Corpus BLEU, 0-100. */
  readonly bleu: number;
  readonly sentences: number;
}

export interface ValidationBleu {
  /** Translates the held sentences with the model's current weights and scores them. */
  score(): Promise<ValidationBleuScore>;
}

export interface BleuTokenizers {
  readonly source: Tokenizer;
  readonly target: Tokenizer;
}

/**
 * Reads the first sentences of data.valid; undefined when there is nothing to score (not a
 * translation spec, no data.valid, eval_bleu_sentences 0, or an empty file).
 * @throws the reader's errors for an unreadable file (training already read it once).
 */
export async function loadValidationBleu(
  spec: ExperimentSpec,
  model: Seq2SeqTransformer,
  tokenizers: BleuTokenizers,
  baseDir = process.cwd(),
): Promise<ValidationBleu | undefined> {
  const limit = spec.training.eval_bleu_sentences;
  if (spec.task !== 'translation' || spec.data.valid === undefined || limit === 0) return undefined;
  const sources: string[] = [];
  const references: string[] = [];
  await forEachPair(resolve(baseDir, spec.data.valid), { ...specColumns(spec.data), malformed: 'skip' }, (pair) => {
    if (sources.length >= limit) return;
    sources.push(pair.source);
    references.push(pair.target);
  });
  if (sources.length === 0) return undefined;
  return {
    score: async () => {
      const hypotheses = await translate(model, tokenizers.source, sources, { beam: 1, targetTokenizer: tokenizers.target });
      const { score } = corpusBleu(hypotheses, [references]);
      return { bleu: Math.round(score * 100) / 100, sentences: sources.length };
    },
  };
}
