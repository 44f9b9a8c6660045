import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SlurmClient, SlurmJob } from '../slurm/slurm-client.js';
import { StoreFixture } from '../testing/store-fixtures.js';
import { SlurmRuns } from './slurm-runs.js';

class FakeSlurm implements SlurmClient {
  submitted: string[] = [];
  cancelled: [string, string | undefined][] = [];
  answer: Promise<string> = Promise.resolve('41');
  submit(script: string): Promise<string> {
    this.submitted.push(script);
    return this.answer;
  }
  jobs(): Promise<SlurmJob[]> {
    return Promise.resolve([]);
  }
  cancel(id: string, signal?: 'TERM'): Promise<void> {
    this.cancelled.push([id, signal]);
    return Promise.reject(new Error('scancel: no such job'));
  }
}

function runs() {
  const f = new StoreFixture();
  const client = new FakeSlurm();
  const stateDir = mkdtempSync(join(tmpdir(), 'orquesta-slurm-runs-'));
  const slurm = new SlurmRuns(
    { client, control: 'tcp://login:7071', stateDir, cli: '/opt/orquesta.js', workdir: '/work' },
    { store: f.store, runs: f.runs, controlToken: 'tok' },
  );
  return { f, client, slurm };
}

describe('SlurmRuns', () => {
  it('submits a queued trial: scheduled now, the job id recorded when sbatch answers', async () => {
    const { f, client, slurm } = runs();
    const trial = f.queue('s', { launcher: 'slurm' });
    const launched = slurm.launch(trial, f.clock);
    expect(launched.actions).toEqual([{ kind: 'track-run', trialId: trial.id }]);
    expect(f.store.trial(trial.id)).toMatchObject({ state: 'scheduled', attempt: 1 });
    expect(client.submitted[0]).toMatch(/#SBATCH/);
    expect(await launched.later).toEqual([]);
    expect(f.store.trial(trial.id).placement).toEqual({ workers: [], slurmJob: '41' });
  });

  it('cancels a job whose trial was stopped while sbatch was answering, and fails a refused one', async () => {
    const { f, client, slurm } = runs();
    const trial = f.queue('s', { launcher: 'slurm' });
    const launched = slurm.launch(trial, f.clock);
    f.store.moveTrial(trial.id, 'scheduled', 'checkpointing', 'paused by user', { stopTarget: 'paused' });
    expect(await launched.later).toEqual([{ kind: 'stop-workers', trialId: trial.id, mode: 'checkpoint' }]);
    const refused = f.queue('r', { launcher: 'slurm' });
    client.answer = Promise.reject(new Error('sbatch: invalid partition'));
    const second = slurm.launch(refused, f.clock);
    expect(await second.later).toEqual([{ kind: 'drop-run', run: `${refused.id}.1` }]);
    expect(f.store.trial(refused.id).state).toBe('failed');
  });

  it('answers peers to every task once all ranks joined, and rejects a task of no run', () => {
    const { f, slurm } = runs();
    const trial = f.queue('s', { launcher: 'slurm', workers: 2 });
    slurm.launch(trial, f.clock);
    f.track(f.store.trial(trial.id));
    const run = `${trial.id}.1`;
    expect(slurm.rendezvousJoin('t1', { v: 1, type: 'rendezvous', run, rank: 1, worldSize: 2, endpoint: 'tcp://n2:4000' })).toEqual([]);
    const peers = slurm.rendezvousJoin('t0', { v: 1, type: 'rendezvous', run, rank: 0, worldSize: 2, endpoint: 'tcp://n1:4000' });
    expect(peers.map((a) => (a.kind === 'send' ? [a.to, a.message.type === 'peers' && a.message.endpoints] : a.kind))).toEqual([
      ['t0', ['tcp://n1:4000', 'tcp://n2:4000']],
      ['t1', ['tcp://n1:4000', 'tcp://n2:4000']],
    ]);
    expect(slurm.joined('t0')).toBe(true);
    expect(slurm.rendezvousJoin('t9', { v: 1, type: 'rendezvous', run: '99.1', rank: 0, worldSize: 1, endpoint: 'tcp://n1:1' })).toEqual([
      { kind: 'send', to: 't9', message: { v: 1, type: 'reject', reason: 'no active run 99.1' } },
    ]);
  });

  it('ends a run whose job failed: restarting, naming the failed rank, then finish-run', async () => {
    const { f, slurm } = runs();
    const trial = f.queue('s', { launcher: 'slurm', workers: 2 });
    await slurm.launch(trial, f.clock).later;
    f.store.moveTrial(trial.id, 'scheduled', 'running', 'job running');
    const tracker = f.track(f.store.trial(trial.id));
    tracker.exited.set(1, { code: 1, signal: null });
    tracker.lastError.set(1, 'PeerLostError: rank 0 is gone');
    const actions = slurm.onJobs([{ id: '41', state: 'FAILED', restarts: 0, reason: 'NonZeroExitCode', nodes: 'n[1-2]' }], f.clock);
    expect(actions).toEqual([{ kind: 'finish-run', run: `${trial.id}.1` }, { kind: 'reschedule' }]);
    expect(f.store.trial(trial.id).state).toBe('restarting');
    expect(f.store.events(trial.experimentId).at(-1)?.message).toMatch(/rank 1 exited with code 1 \(PeerLostError: rank 0 is gone\)/);
  });

  it('logs a failed scancel instead of throwing', async () => {
    const { f, slurm } = runs();
    const trial = f.queue('s', { launcher: 'slurm' });
    await slurm.launch(trial, f.clock).later;
    expect(await slurm.cancel(f.store.trial(trial.id), 'kill')).toEqual([{ kind: 'log', line: 'scancel 41: scancel: no such job' }]);
  });
});
