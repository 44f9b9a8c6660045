/**
 * `orquesta compare ID [ID...]`: the trials of some experiments side by side (a search's, or separate
 * runs'): hyperparameters, best validation loss and BLEU with their steps, steps trained, wall time and
 * worker-seconds; best first. Then one line per experiment with its totals.
 */
import type { ComparedTrial, Comparison } from '@orquesta/coordinator';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { clientFor, experimentId, table, withClient, type ClientFlags } from './coordinator-client.js';

export async function compareCommand(idTexts: readonly string[], flags: ClientFlags & { json?: boolean }, io: CliIO): Promise<ExitCode> {
  const ids: number[] = [];
  for (const text of idTexts) {
    const id = experimentId('compare', text, io);
    if (id === undefined) return EXIT.usage;
    ids.push(id);
  }
  return withClient('compare', io, async () => {
    const comparison = await clientFor(flags, io).compare(ids);
    if (flags.json) io.out(JSON.stringify(comparison));
    else for (const line of formatComparison(comparison)) io.out(line);
    return EXIT.ok;
  });
}

/** The comparison as table lines, best validation loss first (trials without one last). */
export function formatComparison(c: Comparison): string[] {
  const many = c.experiments.length > 1;
  const trials = [...c.trials].sort((a, b) => (a.bestLoss ?? Infinity) - (b.bestLoss ?? Infinity) || a.experimentId - b.experimentId || a.idx - b.idx);
  const at = (value: number | null, step: number | null, digits: number) => (value === null ? '-' : `${value.toFixed(digits)} @${step}`);
  const lines = table(
    [...(many ? ['EXP'] : []), 'TRIAL', 'STATE', ...c.parameters.map((p) => p.toUpperCase()), 'STEPS', 'BEST VALID LOSS', 'BEST BLEU', 'WALL', 'WORKER-S'],
    trials.map((t) => [
      ...(many ? [String(t.experimentId)] : []),
      String(t.idx),
      t.state,
      ...c.parameters.map((p) => String(t.hyperparameters[p] ?? '-')),
      String(t.steps),
      at(t.bestLoss, t.bestLossStep, 4),
      at(t.bestBleu, t.bestBleuStep, 2),
      t.wallSeconds === null ? '-' : `${t.wallSeconds.toFixed(0)} s`,
      t.workerSeconds === null ? '-' : t.workerSeconds.toFixed(0),
    ]),
  );
  for (const e of c.experiments)
    lines.push(
      summary(
        e,
        c.trials.filter((t) => t.experimentId === e.id),
      ),
    );
  return lines;
}

function summary(e: Comparison['experiments'][number], trials: readonly ComparedTrial[]): string {
  const count = (state: string) => trials.filter((t) => t.state === state).length;
  const states = ['succeeded', 'stopped', 'running', 'failed', 'cancelled'].filter((s) => count(s) > 0).map((s) => `${count(s)} ${s}`);
  const steps = trials.reduce((n, t) => n + t.steps * t.workers, 0);
  const workerSeconds = trials.reduce((n, t) => n + (t.workerSeconds ?? 0), 0);
  const best = trials.filter((t) => t.bestLoss !== null).sort((a, b) => (a.bestLoss as number) - (b.bestLoss as number))[0];
  const kind = e.search === null ? '' : ` (${e.search} search)`;
  return `experiment ${e.id} ${e.name}${kind}: ${e.state}, ${trials.length} trial(s)${states.length ? ` (${states.join(', ')})` : ''}; ${steps} worker-steps, ${workerSeconds.toFixed(0)} worker-seconds${best ? `; best validation loss ${(best.bestLoss as number).toFixed(4)} (trial ${best.idx})` : ''}`;
}
