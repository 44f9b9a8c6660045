/**
 * A trial's goodput: productive step seconds / wall seconds since it was first placed, and where the
 * rest went. Pure functions over a small JSON state kept on the trial's row.
 *
 * The wall time is cut into segments, one per attempt (run). Rank 0 reports where its own time went
 * (TimeUse: startup, steps, evaluation, checkpoint, other), cumulative since its process started; the
 * ledger adds what rank 0 cannot see:
 *   - from the placement to the first step: startup (process launch, data, model, resume),
 *   - step seconds of steps an earlier segment already reported (`highWater`) are replayed, the rest productive,
 *   - from a failed segment's last report to its end: replayed (that work is redone); after a clean end: stalls,
 *   - between a failed attempt's end and the next placement: recovery (the restart's queueing and placement).
 * A peer recovery keeps the attempt but cuts it too: the segment ends when a rank is lost (its unreported
 * tail was kept, but for the interrupted step: about one mean step of it is replayed, the rest
 * productive), and a new segment (`run/generation`) begins when the group has formed again; the gap
 * between them is recovery (waiting for the replacement and the state transfer).
 *
 *   placed --report*--> ended(failed) --gap: recovery--> placed --report*--> ended
 *   placed --report*--> interrupted --gap: recovery--> placed (run/g) --report*--> ...
 */
import type { TimeUse } from '@orquesta/protocol';

export const GOODPUT_USES = ['productive', 'startup', 'replayed', 'recovery', 'evaluation', 'checkpoint', 'stalls'] as const;
export type GoodputUse = (typeof GOODPUT_USES)[number];
export type GoodputSeconds = Readonly<Record<GoodputUse, number>>;

interface Segment {
  readonly run: string;
  /** ms the segment began: the placement. */
  readonly since: number;
  /** ms of its newest report; null before the first. */
  readonly lastReportAt: number | null;
  /** Step of its newest report (or where it started). */
  readonly lastStep: number;
  /** Step it started from. */
  readonly firstStep: number;
  /** Step seconds rank 0 had reported at lastReportAt. */
  readonly stepSeconds: number;
  /** Its step seconds so far, split into productive and replayed. */
  readonly productive: number;
  readonly replayedSteps: number;
  /** The newest TimeUse it reported. */
  readonly time: TimeUse | null;
}

export interface GoodputState {
  readonly v: 1;
  /** ms of the first placement; null before it. */
  readonly startedAt: number | null;
  /** Seconds of the segments that ended. */
  readonly closed: GoodputSeconds;
  readonly open: Segment | null;
  /** ms the last segment ended while none is open; null otherwise. */
  readonly endedAt: number | null;
  /** Highest step an ended segment reported: steps up to it that run again are replayed. */
  readonly highWater: number;
}

export interface GoodputView {
  /** Productive seconds / wall seconds (0 before any wall time). */
  readonly goodput: number;
  readonly wallSeconds: number;
  readonly seconds: GoodputSeconds;
}

const zero = (): Record<GoodputUse, number> => ({ productive: 0, startup: 0, replayed: 0, recovery: 0, evaluation: 0, checkpoint: 0, stalls: 0 });

export function emptyGoodput(): GoodputState {
  return { v: 1, startedAt: null, closed: zero(), open: null, endedAt: null, highWater: 0 };
}

/** A new attempt of the trial was placed at `now` (ms), starting from step `fromStep` (its last checkpoint's). */
export function goodputPlaced(state: GoodputState, run: string, fromStep: number, now: number): GoodputState {
  const closed = state.open ? goodputEnded(state, state.open.run, true, now) : state;
  const gap = closed.endedAt === null ? 0 : Math.max(0, now - closed.endedAt) / 1000;
  return {
    ...closed,
    startedAt: closed.startedAt ?? now,
    closed: { ...closed.closed, recovery: closed.closed.recovery + gap },
    endedAt: null,
    open: newSegment(run, now, fromStep),
  };
}

/** The run's workers resumed from `step` (its checkpoint's; 0 from scratch), before rank 0's first report. */
export function goodputResumed(state: GoodputState, run: string, step: number): GoodputState {
  const open = state.open;
  if (open === null || open.run !== run || open.lastReportAt !== null) return state;
  return { ...state, open: { ...open, lastStep: step, firstStep: step } };
}

/** Rank 0 of `run` reported `time` at `step`. Reports of other runs are ignored. */
export function goodputReported(state: GoodputState, run: string, step: number, time: TimeUse, now: number): GoodputState {
  const open = state.open;
  if (open === null || open.run !== run) return state;
  const delta = Math.max(0, time.steps - open.stepSeconds);
  // Steps (lastStep, step] took `delta` seconds; those up to highWater ran before.
  const span = step - open.lastStep;
  const again = span <= 0 ? 0 : Math.min(1, Math.max(0, (Math.min(step, state.highWater) - open.lastStep) / span));
  return {
    ...state,
    open: {
      ...open,
      lastReportAt: now,
      lastStep: Math.max(open.lastStep, step),
      stepSeconds: time.steps,
      productive: open.productive + delta * (1 - again),
      replayedSteps: open.replayedSteps + delta * again,
      time,
    },
  };
}

/** The run's rank-0 process ended at `now`: a failure (its unreported work is redone) or not. */
export function goodputEnded(state: GoodputState, run: string, failed: boolean, now: number): GoodputState {
  const open = state.open;
  if (open === null || open.run !== run) return state;
  const closed = { ...state.closed };
  add(closed, segmentSeconds(open, Math.max(now, open.lastReportAt ?? open.since), failed ? 'failed' : 'clean'));
  return { ...state, closed, open: null, endedAt: now, highWater: Math.max(state.highWater, open.lastStep) };
}

/** A rank of the run was lost at `now` and the others keep their state (peer recovery): the segment ends there. */
export function goodputInterrupted(state: GoodputState, run: string, now: number): GoodputState {
  const open = state.open;
  if (open === null || open.run !== run) return state;
  const closed = { ...state.closed };
  add(closed, segmentSeconds(open, Math.max(now, open.lastReportAt ?? open.since), 'interrupted'));
  return { ...state, closed, open: null, endedAt: now, highWater: Math.max(state.highWater, open.lastStep) };
}

/**
 * The figures at `now`: ended segments, the open segment up to its newest report, and while the
 * trial waits for a restart (`waiting`), the time since the last segment ended as recovery.
 */
export function goodputView(state: GoodputState, now: number, waiting: boolean): GoodputView {
  const total = zero();
  add(total, state.closed);
  if (state.open !== null) add(total, segmentSeconds(state.open, state.open.lastReportAt ?? now, 'clean'));
  else if (waiting && state.endedAt !== null) total.recovery += Math.max(0, now - state.endedAt) / 1000;
  const wallSeconds = GOODPUT_USES.reduce((n, u) => n + total[u], 0);
  return { goodput: wallSeconds > 0 ? total.productive / wallSeconds : 0, wallSeconds, seconds: total };
}

/** Parses the JSON kept on a trial row; a missing or unreadable one starts empty. */
export function parseGoodput(json: string | null): GoodputState {
  if (json === null) return emptyGoodput();
  try {
    const value = JSON.parse(json) as GoodputState;
    return value.v === 1 ? value : emptyGoodput();
  } catch {
    return emptyGoodput();
  }
}

function newSegment(run: string, since: number, fromStep: number): Segment {
  return { run, since, lastReportAt: null, lastStep: fromStep, firstStep: fromStep, stepSeconds: 0, productive: 0, replayedSteps: 0, time: null };
}

/**
 * A segment's seconds from its start to `until` (ms): what rank 0 reported, plus what only the
 * coordinator sees. The tail after the newest report is replayed after a failure (redone from the
 * checkpoint), a stall after a clean end, and after an interruption (peer recovery) one mean step of
 * it is replayed (the interrupted step), the rest productive.
 */
function segmentSeconds(seg: Segment, until: number, ending: 'clean' | 'failed' | 'interrupted'): Record<GoodputUse, number> {
  const out = zero();
  const wall = Math.max(0, until - seg.since) / 1000;
  if (seg.time === null || seg.lastReportAt === null) {
    out.startup = wall;
    return out;
  }
  const t = seg.time;
  const reported = wall - Math.max(0, until - seg.lastReportAt) / 1000;
  // Everything up to the newest report that rank 0 did not spend after its start-up was start-up.
  const afterStartup = t.steps + t.evaluation + t.checkpoint + t.other;
  out.startup = Math.max(0, reported - afterStartup);
  out.productive = seg.productive;
  out.replayed = seg.replayedSteps;
  out.evaluation = t.evaluation;
  out.checkpoint = t.checkpoint;
  out.stalls = t.other;
  const tail = wall - reported;
  if (ending === 'failed') out.replayed += tail;
  else if (ending === 'clean') out.stalls += tail;
  else {
    const steps = seg.lastStep - seg.firstStep; // NaN for a segment kept before firstStep existed
    const meanStep = steps > 0 ? t.steps / steps : tail;
    const replayed = Number.isFinite(meanStep) ? Math.min(tail, meanStep) : tail;
    out.replayed += replayed;
    out.productive += tail - replayed;
  }
  // Clock skew between the worker's and the coordinator's view: never more seconds than wall time.
  const sum = GOODPUT_USES.reduce((n, u) => n + out[u], 0);
  if (sum > wall && sum > 0) for (const u of GOODPUT_USES) out[u] *= wall / sum;
  return out;
}

function add(into: Record<GoodputUse, number>, from: GoodputSeconds): void {
  for (const u of GOODPUT_USES) into[u] += from[u];
}
