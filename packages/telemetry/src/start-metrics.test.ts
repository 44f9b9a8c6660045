import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { METRIC } from './metric-names.js';
import { startMetrics } from './start-metrics.js';
import { TrainingMetrics } from './training-metrics.js';

/** The text a Prometheus scrape of `setup` reads. */
function scrape(setup: ReturnType<typeof startMetrics>): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const response = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(Buffer.from(chunk));
        done();
      },
    });
    Object.assign(response, { statusCode: 200, setHeader: () => undefined, writeHead: () => response });
    response.on('finish', () => resolve(Buffer.concat(chunks).toString('utf8')));
    setup.prometheus({ url: '/metrics', headers: {} } as IncomingMessage, response as unknown as ServerResponse);
  });
}

describe('startMetrics', () => {
  it('exposes every series of 3,000 running trials, past the SDK default of 2,000 per instrument, and steps in second buckets', async () => {
    const setup = startMetrics('test');
    try {
      const metrics = new TrainingMetrics(setup.meter);
      const seconds = { data: 0.01, compute: 0.07, allReduce: 0.015, optimizer: 0.005 };
      for (let trial = 0; trial < 3000; trial++)
        metrics.progress({ step: 10, loss: 2, lr: 1e-3, gradNorm: 1, tokensPerSecond: 100, seconds, steps: 10 }, { experiment_id: 1, trial, rank: 0 });
      const text = await scrape(setup);
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
});
