#!/usr/bin/env node
// Replays an ASHA search over a grid run's validation curves (the --out file of tools/bench/search.mjs):
// training is seeded and bit-reproducible, so a grid point's curve is what that trial would report under
// ASHA too. The trials start in the spec's order on --slots slots, take --startup-s plus --step-s per
// step, and each rung result is judged with the coordinator's own rule (ashaDecide) against the results
// that arrived before it. Prints, per rung schedule, the compute used (worker-steps over the grid's) and
// the trials that reach max_steps, with their loss at the grid's last step.
//
//   node tools/bench/asha-replay.mjs --grid-from FILE --spec configs/search-asha.yaml [--schedules 4:27,3:27,2:81]
//
// --schedules: reduction_factor:min_steps pairs (rungs must be steps the grid evaluated); default: the spec's.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { ashaDecide, expandSearch } = await import(`${ROOT}packages/coordinator/dist/index.js`);

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
if (!args['grid-from'] || !args.spec) {
  process.stderr.write('usage: asha-replay.mjs --grid-from FILE --spec SPEC [--schedules eta:min,...] [--slots 2] [--step-s 0.42] [--startup-s 8]\n');
  process.exit(2);
}
const earlier = JSON.parse(readFileSync(args['grid-from'], 'utf8'));
const gridId = earlier.experiments.find((e) => e.search === 'grid')?.id;
const grid = earlier.trials.filter((t) => t.experimentId === gridId);
const spec = YAML.parse(readFileSync(args.spec, 'utf8'));
const key = (hp) =>
  JSON.stringify(
    Object.keys(hp)
      .sort()
      .map((k) => [k, hp[k]]),
  );
const curves = new Map(grid.map((t) => [key(t.hyperparameters), new Map(t.curve.map((p) => [p.step, p.loss]))]));
const gridSteps = grid.reduce((n, t) => n + t.steps * t.workers, 0);
const gridBest = Math.min(...grid.map((t) => t.bestLoss));
const [slots, stepS, startupS] = [Number(args.slots ?? 2), Number(args['step-s'] ?? 0.42), Number(args['startup-s'] ?? 8)];
const schedules = (args.schedules ?? `${spec.search.reduction_factor ?? 3}:${spec.search.min_steps}`).split(',').map((s) => s.split(':').map(Number));

for (const [eta, minSteps] of schedules) {
  const search = { ...spec.search, reduction_factor: eta, min_steps: minSteps, metric: 'validation_loss' };
  const maxSteps = search.max_steps ?? spec.training.max_steps;
  const order = expandSearch({ ...spec, training: { seed: 1, ...spec.training }, search }).map((t) => t.overrides);
  const steps = [];
  for (let s = minSteps; s < maxSteps; s *= eta) steps.push(s);
  const rungs = { maxSteps, steps, reductionFactor: eta, metric: 'validation_loss' };
  // A discrete-event replay: each trial starts when a slot frees, reaches rung r at start + startup +
  // r * step time, and is judged against the results recorded before that moment.
  const events = []; // { at, trial, rung (index) | 'end' }
  const results = [];
  const starts = new Map();
  let next = 0;
  let used = 0;
  const finals = [];
  const startTrial = (at) => {
    if (next >= order.length) return;
    const trial = next++;
    starts.set(trial, at);
    events.push(steps.length > 0 ? { at: at + startupS + steps[0] * stepS, trial, rung: 0 } : { at: at + startupS + maxSteps * stepS, trial, end: maxSteps });
  };
  for (let s = 0; s < slots; s++) startTrial(0);
  while (events.length > 0) {
    events.sort((a, b) => a.at - b.at);
    const e = events.shift();
    const hp = order[e.trial];
    const curve = curves.get(key(hp));
    if (!curve) throw new Error(`the grid has no trial ${JSON.stringify(hp)}`);
    if (e.end !== undefined) {
      used += e.end;
      if (e.end === maxSteps)
        finals.push(`${JSON.stringify(hp)} (loss ${curve.get(Math.max(...curve.keys())).toFixed(4)} at step ${Math.max(...curve.keys())})`);
      startTrial(e.at);
      continue;
    }
    const rung = steps[e.rung];
    const decision = ashaDecide(rungs, results, e.trial, rung, curve.get(rung));
    if (decision) results.push(decision.result);
    const start = starts.get(e.trial);
    if (decision?.result.verdict === 'stop') events.push({ at: start + startupS + (rung + 1) * stepS, trial: e.trial, end: rung + 1 });
    else if (e.rung + 1 < steps.length) events.push({ at: start + startupS + steps[e.rung + 1] * stepS, trial: e.trial, rung: e.rung + 1 });
    else events.push({ at: start + startupS + maxSteps * stepS, trial: e.trial, end: maxSteps });
  }
  process.stdout.write(
    `eta ${eta}, rungs ${steps.join('/')}, max_steps ${maxSteps}: compute ${(used / gridSteps).toFixed(3)} of the grid's; to the end: ${finals.join(', ')}; grid best ${gridBest.toFixed(4)}\n`,
  );
}
