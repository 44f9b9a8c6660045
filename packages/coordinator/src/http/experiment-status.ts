/** The JSON views of experiments the API serves (and `orquesta status` prints). */
import type { Store } from '../store/store.js';
import type { TrialRow } from '../store/rows.js';
import { PENDING_STATES } from '../jobs/job-state.js';
import { goodputOf } from '../daemon/goodput-book.js';
import { GOODPUT_USES, type GoodputView } from '../daemon/goodput-ledger.js';

/** A page of experiment summaries (`GET /api/experiments`), from one query. */
export function experimentSummaries(store: Store, query: Parameters<Store['experimentPage']>[0]) {
  const page = store.experimentPage(query);
  return {
    total: page.total,
    rows: page.rows.map((e) => ({
      id: e.id,
      name: e.name,
      state: e.state,
      priority: e.priority,
      trials: e.trials,
      submitter: e.submitter,
      step: e.step,
      validLoss: e.validLoss,
      createdAt: new Date(e.createdAt).toISOString(),
      updatedAt: new Date(e.updatedAt).toISOString(),
    })),
  };
}

export function experimentSummary(store: Store, id: number) {
  const e = store.experiment(id);
  const trials = store.trials(id);
  const best = bestTrial(trials);
  return {
    id: e.id,
    name: e.name,
    state: e.state,
    priority: e.priority,
    trials: trials.length,
    submitter: e.submitter,
    step: Math.max(0, ...trials.map((t) => t.lastStep)),
    validLoss: best?.validLoss ?? null,
    createdAt: new Date(e.createdAt).toISOString(),
    updatedAt: new Date(e.updatedAt).toISOString(),
  };
}

export function experimentStatus(store: Store, id: number, now = Date.now()) {
  const trials = store.trials(id);
  const best = bestTrial(trials);
  return {
    ...experimentSummary(store, id),
    bestTrial: best ? { idx: best.idx, validLoss: best.validLoss, overrides: best.overrides, checkpoint: best.lastCheckpoint } : null,
    trials: trials.map((t) => ({
      id: t.id,
      idx: t.idx,
      state: t.state,
      overrides: t.overrides,
      queuePosition: PENDING_STATES.includes(t.state) ? store.queuePosition(t) : null,
      attempt: t.attempt,
      restarts: t.restarts,
      maxRestarts: t.maxRestarts,
      step: t.lastStep,
      trainLoss: t.trainLoss,
      validLoss: t.validLoss,
      validPerplexity: t.validPerplexity,
      tokensPerSecond: t.tokensPerSecond,
      goodput: roundView(goodputOf(t, now)),
      rankSpeeds: t.rankSpeeds,
      checkpointDir: t.checkpointDir,
      lastCheckpoint: t.lastCheckpoint,
      workers:
        t.attempt === 0
          ? []
          : store.workers(`${t.id}.${t.attempt}`).map((w) => ({
              rank: w.rank,
              agent: w.agent,
              host: w.host,
              port: w.port,
              slots: w.slots,
              pid: w.pid,
              state: w.state,
              exitCode: w.exitCode,
              exitSignal: w.exitSignal,
            })),
    })),
  };
}

/** The trial with the lowest validation loss (ties: lowest index). */
export function bestTrial(trials: readonly TrialRow[]): TrialRow | undefined {
  return trials.filter((t) => t.validLoss !== null).sort((a, b) => (a.validLoss as number) - (b.validLoss as number) || a.idx - b.idx)[0];
}

/** Goodput figures to milliseconds (and the ratio to 4 digits), for reading. */
function roundView(view: GoodputView | null) {
  if (view === null) return null;
  const r = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
  return {
    goodput: r(view.goodput, 4),
    wallSeconds: r(view.wallSeconds, 3),
    seconds: Object.fromEntries(GOODPUT_USES.map((u) => [u, r(view.seconds[u], 3)])),
  };
}
