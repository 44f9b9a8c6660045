/** `orquesta translate --checkpoint DIR [--beam K]`: source sentences on stdin, one per line; translations on stdout. */
import { createInterface } from 'node:readline';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { loadForInference, positiveInt } from './inference-setup.js';

export interface TranslateFlags {
  readonly checkpoint: string;
  readonly beam: string;
  readonly backend: string;
}

export async function translateCommand(flags: TranslateFlags, io: CliIO, input: NodeJS.ReadableStream = process.stdin): Promise<ExitCode> {
  const beam = positiveInt('beam', flags.beam, io);
  if (beam === undefined) return EXIT.usage;
  const loaded = await loadForInference(flags.checkpoint, flags.backend, 'translation', io, process.env);
  if (!loaded) return EXIT.usage;
  const { trained, worker } = loaded;
  if (trained.kind !== 'translation') return EXIT.usage;
  const lines: string[] = [];
  for await (const line of createInterface({ input })) lines.push(line);
  const BATCH = 64;
  for (let i = 0; i < lines.length; i += BATCH) {
    const out = await worker.translate(trained.model, trained.tokenizer, lines.slice(i, i + BATCH), { beam });
    for (const line of out) io.out(line);
  }
  return EXIT.ok;
}
