import { describe, expect, it } from 'vitest';
import { Store } from '../store/store.js';
import { compareExperiments } from './compare-view.js';

/** An experiment with one trial per search point (overrides), each spec's lr 1e-3 unless searched. */
function experiment(store: Store, name: string, points: Record<string, unknown>[]): number[] {
  const { trials } = store.createExperiment(name, `name: ${name}`, 50, () =>
    points.map((overrides, idx) => ({
      idx,
      overrides,
      specJson: JSON.stringify({
        optimizer: { lr: 1e-3, warmup_steps: 10 },
        ...('optimizer.lr' in overrides ? { optimizer: { lr: overrides['optimizer.lr'] } } : {}),
      }),
      checkpointDir: `runs/${name}/${idx}`,
      maxRestarts: 0,
      priority: 50,
      preemptible: true,
      workers: 2,
      slotsPerWorker: 1,
      launcher: 'agents' as const,
    })),
  );
  return trials;
}

describe('comparison of experiments', () => {
  it("gives each trial its best validation figures, its curve, and every compared parameter (searched, else its spec's)", () => {
    const store = new Store(':memory:', () => 1_000);
    const [a0, a1] = experiment(store, 'search', [{ 'optimizer.lr': 3e-3 }, { 'optimizer.lr': 1e-4 }]) as [number, number];
    const [b0] = experiment(store, 'plain', [{}]) as [number];
    const evaluate = (trial: number, step: number, loss: number, bleu: number | null = null) =>
      store.recordProgress(trial, 'evaluation', step, { loss, perplexity: Math.exp(loss), tokens: 10, bleu, bleuSentences: bleu === null ? null : 10 });
    evaluate(a0, 10, 4.0, 5);
    evaluate(a0, 20, 3.0, 9);
    evaluate(a0, 30, 3.2, 8);
    evaluate(a1, 10, 6.0);
    evaluate(b0, 10, 3.5);
    const c = compareExperiments(store, [1, 2]);
    expect(c.parameters).toEqual(['optimizer.lr']);
    expect(c.experiments.map((e) => [e.id, e.name, e.search])).toEqual([
      [1, 'search', null],
      [2, 'plain', null],
    ]);
    expect(c.trials.map((t) => [t.experimentId, t.idx, t.hyperparameters, t.bestLoss, t.bestLossStep, t.bestBleu, t.bestBleuStep, t.curve.length])).toEqual([
      [1, 0, { 'optimizer.lr': 3e-3 }, 3.0, 20, 9, 20, 3],
      [1, 1, { 'optimizer.lr': 1e-4 }, 6.0, 10, null, null, 1],
      [2, 0, { 'optimizer.lr': 1e-3 }, 3.5, 10, null, null, 1],
    ]);
    expect(() => compareExperiments(store, [1, 9])).toThrow(/no experiment with id 9/);
  });
});
