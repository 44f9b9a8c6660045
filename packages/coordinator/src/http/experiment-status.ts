/** The JSON views of experiments the API serves (and `orquesta status` prints). */
import type { Store } from '../store/store.js';
import type { TrialRow } from '../store/rows.js';
import { PENDING_STATES } from '../jobs/job-state.js';
import { quotaWait } from '../scheduler/user-quotas.js';
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

/** For each waiting trial, the quota it waits for (user-quotas.ts), or null. */
function quotaWaits(store: Store, trials: readonly TrialRow[]): (t: TrialRow) => string | null {
  const users = new Set(trials.filter((t) => t.submitter !== null && PENDING_STATES.includes(t.state)).map((t) => t.submitter as string));
  if (users.size === 0) return () => null;
  const quotas = store.accounts.quotas();
  const inUse = new Map([...users].map((u) => [u, quotas.get(u)?.maxSlots === undefined ? 0 : store.accounts.slotsInUse(u)]));
  return (t) =>
    t.submitter === null || !PENDING_STATES.includes(t.state)
      ? null
      : (quotaWait(t.submitter, t.minWorkers * t.slotsPerWorker, inUse.get(t.submitter) ?? 0, quotas.get(t.submitter)) ?? null);
}

export function experimentStatus(store: Store, id: number, now = Date.now()) {
  const trials = store.trials(id);
  const best = bestTrial(trials);
  const waitingFor = quotaWaits(store, trials);
  return {
    ...experimentSummary(store, id),
    bestTrial: best ? { idx: best.idx, validLoss: best.validLoss, overrides: best.overrides, checkpoint: best.lastCheckpoint } : null,
    trials: trials.map((t) => ({
      id: t.id,
      idx: t.idx,
      state: t.state,
      overrides: t.overrides,
      queuePosition: PENDING_STATES.includes(t.state) ? store.queuePosition(t) : null,
      /** Why a waiting trial is not placed although it might fit: its submitter's quota. */
      waitingFor: waitingFor(t),
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
