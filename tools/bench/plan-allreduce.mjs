#!/usr/bin/env node
// What `orquesta plan`'s all-reduce model (packages/coordinator/src/plan/all-reduce-model.ts) predicts
// for one tensor on a placement, for every algorithm the placement allows, from a profile of benchmark
// JSON lines (`netns-allreduce.mjs --json`, `orquesta bench allreduce --json`): to check the model
// against a measured all-reduce of the same size.
//
//   node tools/bench/plan-allreduce.mjs --profile P.jsonl --bytes 64MiB --hosts 2 --per-host 2 [--bucket-mb 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { allReduceSeconds, chooseAllReduce, parseProfile } from '../../packages/coordinator/dist/index.js';

const { values } = parseArgs({
  options: {
    profile: { type: 'string' },
    bytes: { type: 'string', default: '64MiB' },
    hosts: { type: 'string', default: '2' },
    'per-host': { type: 'string', default: '2' },
    'bucket-mb': { type: 'string', default: '25' },
  },
});
if (values.profile === undefined) throw new Error('--profile FILE is required (benchmark JSON lines)');
const m = /^(\d+(?:\.\d+)?)(MiB|GiB|KiB|)$/.exec(values.bytes);
if (m === null) throw new Error(`--bytes: expected e.g. 64MiB, got ${values.bytes}`);
const bytes = Number(m[1]) * { '': 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 }[m[2]];
const rows = parseProfile(readFileSync(values.profile, 'utf8')).allReduce;
const placement = Array.from({ length: Number(values.hosts) }, () => Number(values['per-host']));
for (const algorithm of ['auto', 'ring']) {
  const choice = chooseAllReduce({ shared_memory: 'auto', algorithm }, placement);
  const t = allReduceSeconds(choice, bytes, Number(values['bucket-mb']) * 1e6, rows);
  console.log(`${choice.algorithm.padEnd(13)} ${t.seconds === null ? 'n/a' : `${(t.seconds * 1000).toFixed(1)} ms`}  (${choice.reason}) ${t.basis.join('; ')}`);
}
