/**
 * `orquesta attention --checkpoint DIR "sentence"`: the model's output for one input (a translation, or
 * a language model's continuation of a prompt) and the attention weights that made it. Writes
 * attention.json (tokens and every layer and head, [layer][head][query][key]), one SVG grid of layers
 * x heads per kind of attention, and one head large with its tokens (`--kind`, `--layer`, `--head`;
 * by default the last layer's cross-attention, head 0, or its self-attention for a language model).
 * `--json` prints the JSON object instead of writing files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { GenerationAttention, TranslationAttention } from '@orquesta/worker';
import { gridSvg, headSvg, type HeadWeights } from '../attention/heatmap-svg.js';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { loadForInference, positiveInt } from './inference-setup.js';

export interface AttentionFlags {
  readonly checkpoint: string;
  readonly out: string;
  readonly kind?: string;
  readonly layer?: string;
  readonly head: string;
  readonly beam: string;
  readonly maxTokens: string;
  readonly seed: string;
  readonly json?: boolean;
  readonly backend: string;
}

/** One kind of attention with its axes. */
interface View {
  readonly stack: readonly (readonly HeadWeights[])[];
  readonly queries: readonly string[];
  readonly keys: readonly string[];
}

export async function attentionCommand(text: string, flags: AttentionFlags, io: CliIO): Promise<ExitCode> {
  const beam = positiveInt('beam', flags.beam, io);
  const maxTokens = positiveInt('max-tokens', flags.maxTokens, io);
  const head = Number(flags.head);
  const seed = Number(flags.seed);
  if (beam === undefined || maxTokens === undefined) return EXIT.usage;
  if (!Number.isInteger(head) || head < 0 || !Number.isInteger(seed)) {
    io.err('orquesta attention: --head must be an integer >= 0 and --seed an integer');
    return EXIT.usage;
  }
  if (text.trim() === '') {
    io.err('orquesta attention: give the sentence (or prompt) to look at, e.g. orquesta attention --checkpoint runs/x "El perro duerme."');
    return EXIT.usage;
  }
  const loaded = await loadForInference(flags.checkpoint, flags.backend, 'any', io, process.env);
  if (!loaded) return EXIT.usage;
  const { trained, worker } = loaded;
  let result: TranslationAttention | GenerationAttention;
  let views: Record<string, View>;
  if (trained.kind === 'translation') {
    const t = await worker.explainTranslation(trained.model, trained.tokenizer, text, { beam });
    const decoderKeys = ['<s>', ...t.target_tokens.slice(0, -1)];
    views = {
      cross: { stack: t.cross, queries: t.target_tokens, keys: t.source_tokens },
      encoder: { stack: t.encoder, queries: t.source_tokens, keys: t.source_tokens },
      decoder: { stack: t.decoder, queries: t.target_tokens, keys: decoderKeys.slice(0, t.target_tokens.length) },
    };
    result = t;
  } else {
    const g = await worker.explainGeneration(trained.model, trained.tokenizer, text, maxTokens, { temperature: 0.8, seed });
    views = { decoder: { stack: g.decoder, queries: g.tokens, keys: g.tokens } };
    result = g;
  }
  const kind = flags.kind ?? Object.keys(views)[0]!;
  const view = views[kind];
  if (view === undefined) {
    io.err(`orquesta attention: --kind must be one of ${Object.keys(views).join(', ')} for a ${trained.kind} model, got ${JSON.stringify(kind)}`);
    return EXIT.usage;
  }
  const layers = view.stack.length;
  const layer = flags.layer === undefined ? layers - 1 : Number(flags.layer);
  const heads = view.stack[0]?.length ?? 0;
  if (!Number.isInteger(layer) || layer < 0 || layer >= layers || head >= heads) {
    io.err(`orquesta attention: this model's ${kind} attention has layers 0-${layers - 1} and heads 0-${heads - 1}; got --layer ${layer} --head ${head}`);
    return EXIT.usage;
  }
  if (flags.json) {
    io.out(JSON.stringify(result));
    return EXIT.ok;
  }
  io.out('translation' in result ? result.translation : text + result.text);
  const dir = resolve(flags.out);
  mkdirSync(dir, { recursive: true });
  const written = [join(dir, 'attention.json')];
  writeFileSync(written[0]!, `${JSON.stringify(result)}\n`);
  for (const [name, v] of Object.entries(views)) {
    const file = join(dir, `attention-${name}.svg`);
    writeFileSync(file, gridSvg(v.stack, `${name} attention: ${v.stack.length} layer(s) x ${v.stack[0]?.length ?? 0} head(s), queries down, keys across`));
    written.push(file);
  }
  const file = join(dir, `attention-${kind}-layer${layer}-head${head}.svg`);
  writeFileSync(file, headSvg(view.stack[layer]![head]!, view.queries, view.keys, `${kind} attention, layer ${layer}, head ${head}`));
  written.push(file);
  io.err(`orquesta attention: wrote ${written.join(', ')}`);
  return EXIT.ok;
}
