// Writes a reference for tools/parity/torch_parity.py: a small Orquesta model's weights and the
// logits it computes for fixed, padded inputs.
//
//   <out>/model.safetensors   the weights, via saveWeights (config in the `orquesta.config` metadata)
//   <out>/reference.json      { kind, backend, config, inputs, logits, attention }, all values float32;
//                             attention: { encoder, decoder, cross } weights [layer][B][H][Tq][Tk] (the LM: decoder)
//
// The model is built from its config and seed as training would build it; then every parameter
// is shifted by seeded N(0, perturb^2) noise, so biases (initialised to 0) and layer-norm gains
// (initialised to 1) take distinct values and a weight loaded into the wrong place shows up as a
// logit difference. Inputs have right padding in the source and the target (or the LM input),
// and no row is all padding.
//
// Usage (after `npx tsc -b tsconfig.build.json`):
//   node tools/parity/export-reference.mjs --out DIR [--config JSON] [--backend cpu|wasm]
//     [--batch 3] [--src-len 7] [--tgt-len 6] [--perturb 0.05]
//   --config  TransformerConfig fields as JSON, e.g. '{"vocabSize":50,"dModel":32,"encoderLayers":0}';
//             encoderLayers 0 selects the decoder-only LM, anything else the encoder-decoder model
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { DecoderOnlyLM, saveWeights, selectBackend, Seq2SeqTransformer, transformerConfig } from '@orquesta/model';

const BOS = 1;
const EOS = 2;

const { values: opts } = parseArgs({
  options: {
    out: { type: 'string' },
    config: { type: 'string', default: '{"vocabSize":50,"dModel":32,"heads":4,"dFf":64,"encoderLayers":2,"decoderLayers":2,"maxLen":16}' },
    backend: { type: 'string', default: 'cpu' },
    batch: { type: 'string', default: '3' },
    'src-len': { type: 'string', default: '7' },
    'tgt-len': { type: 'string', default: '6' },
    perturb: { type: 'string', default: '0.05' },
  },
});
if (!opts.out) {
  console.error(
    'usage: node tools/parity/export-reference.mjs --out DIR [--config JSON] [--backend cpu|wasm] [--batch N] [--src-len S] [--tgt-len T] [--perturb STD]',
  );
  process.exit(2);
}

const batch = positiveInt('batch', opts.batch);
const srcLen = positiveInt('src-len', opts['src-len']);
const tgtLen = positiveInt('tgt-len', opts['tgt-len']);
const perturb = Number(opts.perturb);
if (!(perturb >= 0)) throw new RangeError(`--perturb must be a number >= 0, got ${opts.perturb}`);

const config = transformerConfig(JSON.parse(opts.config));
const kind = config.encoderLayers > 0 ? 'seq2seq' : 'lm';
if (config.vocabSize <= EOS + 1) throw new RangeError(`vocabSize ${config.vocabSize} leaves no room for ordinary tokens`);
if (config.padId === BOS || config.padId === EOS) throw new RangeError(`padId ${config.padId} collides with bos ${BOS} or eos ${EOS}`);

await selectBackend(opts.backend);

const model = kind === 'seq2seq' ? new Seq2SeqTransformer(config) : new DecoderOnlyLM(config);
if (perturb > 0) perturbParameters(model.variables, config.seed, perturb);

const rand = lcg(config.seed);
// Row r of a [B, L] batch holds max(2, L - 3r) real tokens, the rest padding (row 0 has none).
const lengths = (len) => Array.from({ length: batch }, (_, r) => Math.max(Math.min(2, len), len - 3 * r));
const word = () => {
  let id;
  do id = EOS + 1 + Math.floor(rand() * (config.vocabSize - EOS - 1));
  while (id === config.padId);
  return id;
};
const padded = (lens, len, row) => lens.map((n) => Array.from({ length: len }, (_, t) => (t < n ? row(t, n) : config.padId)));

const inputs =
  kind === 'seq2seq'
    ? {
        src: padded(lengths(srcLen), srcLen, (t, n) => (t === n - 1 ? EOS : word())),
        tgt: padded(lengths(tgtLen), tgtLen, (t) => (t === 0 ? BOS : word())),
      }
    : { ids: padded(lengths(tgtLen), tgtLen, (t) => (t === 0 ? BOS : word())) };

// Every attention's weights, as the model reports them to the attention explorer: [layer][B][H][Tq][Tk].
const attention = model instanceof Seq2SeqTransformer ? { encoder: [], decoder: [], cross: [] } : { decoder: [] };
const observe = (site, weights) => attention[site.kind === 'cross' ? 'cross' : site.stack].push(weights.arraySync());
const logits = tf.tidy(() => {
  if (model instanceof Seq2SeqTransformer) {
    const encoded = model.encode(tf.tensor2d(inputs.src, undefined, 'int32'), false, observe);
    return model.logits(model.decode(tf.tensor2d(inputs.tgt, undefined, 'int32'), encoded, false, undefined, 0, observe));
  }
  return model.logits(model.hidden(tf.tensor2d(inputs.ids, undefined, 'int32'), false, undefined, 0, observe));
});
if (logits.dtype !== 'float32') throw new TypeError(`logits are ${logits.dtype}, expected float32`);
const logitValues = await logits.array();
logits.dispose();

mkdirSync(opts.out, { recursive: true });
writeFileSync(join(opts.out, 'model.safetensors'), await saveWeights(model.variables, config));
writeFileSync(join(opts.out, 'reference.json'), JSON.stringify({ kind, backend: tf.getBackend(), config, inputs, logits: logitValues, attention }));
console.log(JSON.stringify({ out: opts.out, kind, backend: tf.getBackend(), parameters: model.params.count, logitsShape: [batch, tgtLen, config.vocabSize] }));
model.dispose();

function positiveInt(name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name} must be a positive integer, got ${text}`);
  return n;
}

/** Adds N(0, std^2) to every variable, seeded per (seed, variable index): float32, reproducible. */
function perturbParameters(variables, seed, std) {
  let i = 0;
  for (const v of variables.values()) {
    tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, std, 'float32', seed * 1000 + i))));
    i++;
  }
}

/** A small deterministic generator in [0, 1) (Numerical Recipes LCG), for reproducible token ids. */
function lcg(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
