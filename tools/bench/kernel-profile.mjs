#!/usr/bin/env node
// Where a training step's time goes, kernel by kernel: wraps every kernel registered on tfjs's wasm
// backend with a timer, runs the model benchmark (`orquesta bench model`: training steps of the
// benchmark Transformer, then as many forward-only passes) and prints milliseconds and calls per
// timed step for each kernel. Native overrides and fused kernels are timed like any other kernel.
//
//   flock /tmp/orquesta-bench.lock node tools/bench/kernel-profile.mjs --backend wasm-native [--steps 4] [--top 25] [--json]
//   [--model bench|base|big --batch 64 --length 32]  (the model shape and micro-batch, as `orquesta bench model`)
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@orquesta/model';
import { runModelBenchmark } from '@orquesta/worker';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm-native' },
    steps: { type: 'string', default: '4' },
    top: { type: 'string', default: '25' },
    model: { type: 'string', default: 'bench' },
    batch: { type: 'string', default: '64' },
    length: { type: 'string', default: '32' },
    json: { type: 'boolean', default: false },
  },
});
const backend = await selectBackend(values.backend);
if (tf.getBackend() !== 'wasm') throw new Error(`kernel-profile times wasm kernels; backend ${backend} runs on ${tf.getBackend()}`);
const profile = new Map();
for (const k of tf.getKernelsForBackend('wasm')) {
  const original = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, 'wasm');
  tf.registerKernel({
    ...k,
    kernelFunc: (args) => {
      const t0 = performance.now();
      const out = original(args);
      const entry = profile.get(k.kernelName) ?? { ms: 0, calls: 0 };
      entry.ms += performance.now() - t0;
      entry.calls++;
      profile.set(k.kernelName, entry);
      return out;
    },
  });
}
const steps = Number(values.steps);
const shape = { size: values.model, batch: Number(values.batch), length: Number(values.length) };
await runModelBenchmark({ backend, steps: 1, warmup: 1, ...shape }); // warm: heap grown, kernels compiled
profile.clear();
const result = await runModelBenchmark({ backend, steps, warmup: 0, ...shape });
const rows = [...profile]
  .map(([kernel, e]) => ({ kernel, ms_per_step: Math.round((e.ms / steps) * 10) / 10, calls_per_step: Math.round(e.calls / steps) }))
  .sort((a, b) => b.ms_per_step - a.ms_per_step);
const kernelMs = rows.reduce((s, r) => s + r.ms_per_step, 0);
if (values.json)
  console.log(
    JSON.stringify({
      backend,
      step_s_median: result.step_s_median,
      forward_s_median: result.forward_s_median,
      kernel_ms_per_step: Math.round(kernelMs),
      kernels: rows,
    }),
  );
else {
  console.log(
    `backend ${backend}: training step ${result.step_s_median} s (median), forward-only pass ${result.forward_s_median} s; kernel time per step (training step + forward pass) ${kernelMs.toFixed(0)} ms`,
  );
  console.log('kernel                    ms/step  calls/step');
  for (const r of rows.slice(0, Number(values.top)))
    console.log(`${r.kernel.padEnd(24)}${r.ms_per_step.toFixed(1).padStart(9)}${String(r.calls_per_step).padStart(12)}`);
}
