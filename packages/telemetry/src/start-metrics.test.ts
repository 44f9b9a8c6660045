import { describe, expect, it } from 'vitest';
import { METRIC } from './metric-names.js';
import { startMetrics } from './start-metrics.js';
import { TrainingMetrics } from './training-metrics.js';

describe('startMetrics', () => {
  it('exposes every series of 3,000 running trials, past the SDK default of 2,000 per instrument, and steps in second buckets', async () => {
    const setup = startMetrics('test');
    try {
      const metrics = new TrainingMetrics(setup.meter, setup.live);
      const seconds = { data: 0.01, compute: 0.07, allReduce: 0.015, optimizer: 0.005 };
      for (let trial = 0; trial < 3000; trial++)
        metrics.progress({ step: 10, loss: 2, lr: 1e-3, gradNorm: 1, tokensPerSecond: 100, seconds, steps: 10 }, { experiment_id: 1, trial, rank: 0 });
      const text = await setup.prometheusText();
      const lines = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));
      expect(lines('orquesta_train_loss')).toHaveLength(3000);
      expect(text).not.toContain('otel_metric_overflow');
      expect(lines('orquesta_train_step_phase_mean_seconds')).toHaveLength(12_000);
      // One histogram series per phase, with the seconds buckets (17 and +Inf).
      expect(lines('orquesta_train_step_phase_seconds_count')).toHaveLength(4);
      expect(lines('orquesta_train_step_phase_seconds_bucket').filter((l) => l.includes('phase="compute"'))).toHaveLength(18);
      expect(text).toMatch(/^orquesta_train_step_phase_seconds_bucket\{phase="compute",[^}]*le="0.1"\} 3000$/m);
      expect(METRIC.stepPhase.unit).toBe('s');
    } finally {
      await setup.shutdown();
    }
  });

  it("drops a finished trial's series from the next scrape: nothing of the trials that ran before stays", async () => {
    const setup = startMetrics('test');
    try {
      const metrics = new TrainingMetrics(setup.meter, setup.live);
      const seconds = { data: 0.01, compute: 0.07, allReduce: 0.015, optimizer: 0.005 };
      const lines = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));
      for (let round = 0; round < 3; round++) {
        // 100 trials run, are scraped, and end.
        for (let trial = 0; trial < 100; trial++) {
          const attrs = { experiment_id: round + 1, trial, rank: 0, node: 'n0' };
          metrics.progress({ step: 10, loss: 2, lr: 1e-3, gradNorm: 1, tokensPerSecond: 100, seconds, steps: 10 }, attrs);
          metrics.resources({ memory: { rss: 1e9, tensors: 1e8 }, allReduceBytes: 1e6, allReduceSeconds: 0.01, steps: 10 }, attrs);
          metrics.trialGoodput(0.9, { productive: 90, startup: 10 }, { experiment_id: round + 1, trial });
        }
        const text = await setup.prometheusText();
        expect(lines(text, 'orquesta_train_loss')).toHaveLength(100);
        expect(lines(text, 'orquesta_train_steps_total')).toHaveLength(100);
        expect(lines(text, 'orquesta_trial_time_seconds')).toHaveLength(200);
        expect(text).toMatch(new RegExp(`^orquesta_train_loss\\{[^}]*experiment_id="${round + 1}"`, 'm'));
        for (let trial = 0; trial < 100; trial++) metrics.forget({ experiment_id: round + 1, trial });
      }
      const after = await setup.prometheusText();
      for (const name of ['orquesta_train_loss', 'orquesta_train_steps_total', 'orquesta_train_memory_bytes', 'orquesta_trial_time_seconds'])
        expect(lines(after, name)).toEqual([]);
      // The step-phase histogram is by phase only: still 4 series, counting every report.
      expect(lines(after, 'orquesta_train_step_phase_seconds_count')).toHaveLength(4);
    } finally {
      await setup.shutdown();
    }
  });
});
