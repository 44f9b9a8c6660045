/**
 * `orquesta evaluate --checkpoint DIR --data FILE.tsv [--beam K]`: translates the source column of
 * a TSV file (columns as in the run's spec) and prints sacreBLEU-compatible corpus BLEU as JSON.
 */
import { forEachPair } from '@orquesta/data';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { loadForInference, positiveInt } from './inference-setup.js';

export interface EvaluateFlags {
  readonly checkpoint: string;
  readonly data: string;
  readonly beam: string;
  readonly backend: string;
  readonly limit?: string;
}

export async function evaluateCommand(flags: EvaluateFlags, io: CliIO): Promise<ExitCode> {
  const beam = positiveInt('beam', flags.beam, io);
  const limit = flags.limit === undefined ? Number.MAX_SAFE_INTEGER : positiveInt('limit', flags.limit, io);
  if (beam === undefined || limit === undefined) return EXIT.usage;
  const loaded = await loadForInference(flags.checkpoint, flags.backend, 'translation', io, process.env);
  if (!loaded) return EXIT.usage;
  const { trained, worker } = loaded;
  if (trained.kind !== 'translation') return EXIT.usage;
  const { data } = trained.spec;
  const sourceColumn = data.columns[data.source ?? ''];
  const targetColumn = data.columns[data.target ?? ''];
  if (sourceColumn === undefined || targetColumn === undefined) {
    io.err(`orquesta evaluate: the run's spec has no columns for ${data.source} -> ${data.target}`);
    return EXIT.usage;
  }
  const sources: string[] = [];
  const references: string[] = [];
  try {
    await forEachPair(flags.data, { sourceColumn, targetColumn, malformed: 'skip' }, (pair) => {
      if (sources.length >= limit) return;
      sources.push(pair.source);
      references.push(pair.target);
    });
  } catch (error) {
    io.err(`orquesta evaluate: cannot read ${flags.data}: ${(error as Error).message}`);
    return EXIT.usage;
  }
  if (sources.length === 0) {
    io.err(`orquesta evaluate: ${flags.data} has no sentence pairs`);
    return EXIT.usage;
  }
  const started = performance.now();
  const hypotheses = await worker.translate(trained.model, trained.tokenizer, sources, { beam });
  const bleu = worker.corpusBleu(hypotheses, [references]);
  io.out(
    JSON.stringify({
      checkpoint: flags.checkpoint,
      step: trained.step,
      data: flags.data,
      sentences: sources.length,
      beam,
      bleu: Math.round(bleu.score * 100) / 100,
      signature: bleu.signature,
      detail: worker.formatBleu(bleu),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    }),
  );
  return EXIT.ok;
}
