import { readRankAssignment } from '@orquesta/protocol';
import { describe, expect, it } from 'vitest';
import type { AgentView } from '../scheduler/cluster-view.js';
import { StoreFixture } from '../testing/store-fixtures.js';
import type { DaemonAction } from './daemon-action.js';
import { schedulingPass } from './scheduling-pass.js';

const agent = (id: string, slots: number): AgentView => ({ id, host: `${id}.lan`, slots, gpus: [], ports: [29500, 29599] });
const state = (f: StoreFixture) => ({
  store: f.store,
  starvationMs: 300_000,
  isSlurm: (t: { specJson: string }) => JSON.parse(t.specJson).resources.launcher === 'slurm',
});
const sends = (actions: DaemonAction[]) => actions.flatMap((a) => (a.kind === 'send' ? [a] : []));

describe('schedulingPass', () => {
  it('places a queued gang: the trial is scheduled in the store, its run followed, each agent told its ranks', () => {
    const f = new StoreFixture();
    const trial = f.queue('e', { workers: 2 });
    const actions = schedulingPass(state(f), [agent('a', 1), agent('b', 1)], f.clock);
    const placed = f.store.trial(trial.id);
    expect(placed).toMatchObject({ state: 'scheduled', attempt: 1, placedAt: f.clock });
    expect(actions[0]).toMatchObject({ kind: 'track-run', trialId: trial.id });
    const starts = sends(actions);
    // The run is followed with what each rank was started with (a peer recovery starts a replacement alike).
    const launches = actions[0]?.kind === 'track-run' ? actions[0].launches : undefined;
    expect([...(launches?.values() ?? [])]).toEqual(starts.flatMap((s) => (s.message.type === 'start-workers' ? s.message.workers : [])));
    expect(starts.map((s) => s.to)).toEqual(['a', 'b']);
    const ranks = starts.flatMap((s) => (s.message.type === 'start-workers' ? s.message.workers.map((w) => readRankAssignment(w.env)) : []));
    expect(ranks.map((r) => [r.rank, r.worldSize, r.localWorldSize, r.peers.length, r.curve !== undefined])).toEqual([
      [0, 2, 1, 2, true],
      [1, 2, 1, 2, true],
    ]);
    expect(f.store.workers(`${trial.id}.1`).map((w) => [w.rank, w.agent, w.state])).toEqual([
      [0, 'a', 'starting'],
      [1, 'b', 'starting'],
    ]);
  });

  it('stops applying decisions at its time budget, one at least, and asks for the next pass', () => {
    const f = new StoreFixture();
    const trials = [f.queue('a', { workers: 1 }), f.queue('b', { workers: 1 }), f.queue('c', { workers: 1 })];
    const agents = [agent('a', 1), agent('b', 1), agent('c', 1)];
    const budgeted = { ...state(f), budgetMs: 0 };
    const placed = () => trials.filter((t) => f.store.trial(t.id).state === 'scheduled').length;
    const first = schedulingPass(budgeted, agents, f.clock);
    expect(placed()).toBe(1);
    expect(first.at(-1)).toEqual({ kind: 'pass-cut-short' });
    schedulingPass(budgeted, agents, f.clock);
    expect(placed()).toBe(2);
    // The last decision of a pass is not cut short: nothing is left.
    expect(schedulingPass(budgeted, agents, f.clock)).not.toContainEqual({ kind: 'pass-cut-short' });
    expect(placed()).toBe(3);
    // Without a budget one pass places every gang that fits.
    const g = new StoreFixture();
    for (const name of ['a', 'b', 'c']) g.queue(name, { workers: 1 });
    expect(schedulingPass(state(g), agents, g.clock)).not.toContainEqual({ kind: 'pass-cut-short' });
    expect(g.store.schedulingRows(['scheduled'])).toHaveLength(3);
  });

  it('keeps a gang on one host off CURVE, and places nothing without room', () => {
    const f = new StoreFixture();
    f.queue('big', { workers: 3 });
    expect(schedulingPass(state(f), [agent('a', 2)], f.clock)).toEqual([]);
    const small = f.queue('small', { workers: 2 });
    const starts = sends(schedulingPass(state(f), [agent('a', 2)], f.clock));
    expect(f.store.trial(small.id).state).toBe('scheduled');
    const [start] = starts;
    expect(start?.message.type === 'start-workers' && start.message.workers.every((w) => readRankAssignment(w.env).curve === undefined)).toBe(true);
  });

  it('asks a lower-priority preemptible trial to stop with a checkpoint for a higher one', () => {
    const f = new StoreFixture();
    const low = f.queue('low', { workers: 2, priority: 10 });
    schedulingPass(state(f), [agent('a', 2)], f.clock);
    f.store.moveTrial(low.id, 'scheduled', 'running', 'reported');
    f.queue('high', { workers: 2, priority: 90 });
    const actions = schedulingPass(state(f), [agent('a', 2)], f.clock);
    expect(actions).toContainEqual({
      kind: 'request-stop',
      trialId: low.id,
      target: 'preempted',
      cause: expect.stringMatching(/preempted for trial \d+ of higher priority/),
    });
    // The stop itself is the coordinator's to apply: the pass left the trial running.
    expect(f.store.trial(low.id).state).toBe('running');
  });

  it('hands queued Slurm trials to sbatch instead of placing them', () => {
    const f = new StoreFixture();
    const trial = f.queue('s', { launcher: 'slurm' });
    expect(schedulingPass(state(f), [agent('a', 4)], f.clock)).toEqual([{ kind: 'slurm-launch', trialId: trial.id }]);
    expect(f.store.trial(trial.id).state).toBe('queued');
  });
});
