/**
 * Peer recovery of a Slurm-launched trial: the coordinator and each rank's task logic (SlurmTaskWorker)
 * wired in memory through the real encoder and decoder, with fake worker processes and a fake sbatch.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeControlMessage,
  encodeControlMessage,
  type AgentMessage,
  type CoordinatorMessage,
  type WorkerReport,
  type WorkerSetup,
} from '@orquesta/protocol';
import { SlurmTaskWorker, type WorkerExit } from '@orquesta/launch';
import { describe, expect, it } from 'vitest';
import type { SlurmClient, SlurmJob } from '../slurm/slurm-client.js';
import { Store } from '../store/store.js';
import { spec } from '../testing/spec-text.js';
import { Coordinator } from './coordinator.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

class FakeSlurm implements SlurmClient {
  jobState = 'RUNNING';
  submit(): Promise<string> {
    return Promise.resolve('77');
  }
  jobs(): Promise<SlurmJob[]> {
    return Promise.resolve([{ id: '77', state: this.jobState, restarts: 0, reason: 'None', nodes: 'n[1-2]' }]);
  }
  cancel(): Promise<void> {
    return Promise.resolve();
  }
}

interface FakeWorker {
  readonly setup: WorkerSetup;
  readonly onExit: (exit: WorkerExit) => void;
  readonly sent: unknown[];
}

/** A Slurm trial of two ranks with `recovery`, both tasks joined and their workers running. */
async function slurmTrial(recovery: string) {
  let clock = 1_000_000;
  const store = new Store(':memory:', () => clock);
  const tasks = new Map<string, SlurmTaskWorker>();
  const workers: FakeWorker[] = [];
  const statuses = new Map<string, number>();
  const toCoordinator: [string, AgentMessage][] = [];
  const slurm = new FakeSlurm();
  const coordinator = new Coordinator({
    store,
    now: () => clock,
    baseDir: ROOT,
    channel: {
      send: (to, message) => {
        const m = decodeControlMessage(encodeControlMessage(message)) as CoordinatorMessage;
        if (m.type !== 'peers') tasks.get(to)?.order(m);
      },
    },
    slurm: {
      client: slurm,
      control: 'tcp://login:7071',
      stateDir: mkdtempSync(join(tmpdir(), 'orquesta-slurm-peer-')),
      cli: '/opt/orquesta.js',
      workdir: ROOT,
      pollMs: 1,
    },
  });
  const flush = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    while (toCoordinator.length > 0) {
      const [from, m] = toCoordinator.shift()!;
      coordinator.receive(from, encodeControlMessage(m));
    }
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  const submitted = coordinator.submit(spec({ launcher: 'slurm', recovery }), 'slurm.yaml');
  if (!submitted.ok) throw new Error(submitted.problems.map((p) => p.message).join('; '));
  const trialId = submitted.trials[0]!;
  coordinator.tick();
  await flush();
  const run = `${trialId}.1`;
  const endpoints = ['tcp://n1:4000', 'tcp://n2:4000'];
  for (const rank of [0, 1])
    coordinator.receive(`task-${rank}`, encodeControlMessage({ v: 1, type: 'rendezvous', run, rank, worldSize: 2, endpoint: endpoints[rank]! }));
  for (const rank of [0, 1]) {
    const from = `task-${rank}`;
    const send = (m: AgentMessage) => toCoordinator.push([from, m]);
    const task = new SlurmTaskWorker({
      setup: { rank, worldSize: 2, localRank: 0, localWorldSize: 1, peers: endpoints, run, specPath: '/s.json', peerRecovery: true },
      launch: (setup, onExit) => {
        const w: FakeWorker = { setup, onExit, sent: [] };
        workers.push(w);
        return { pid: 1, signal: (s) => s === 'SIGKILL' && onExit(exit(rank, null, 'SIGKILL')), stop: () => {}, send: (m) => w.sent.push(m) };
      },
      exited: (e) => send({ v: 1, type: 'worker-exited', run, rank, code: e.code, signal: e.signal }),
      waitMs: 60_000,
      chaos: { exit: () => {}, partition: () => {}, log: () => {} },
      log: () => {},
    });
    tasks.set(from, task);
    void task.done.then((s) => statuses.set(from, s));
  }
  clock += 10;
  coordinator.tick(); // squeue: the job runs
  await flush();
  const report = (w: FakeWorker, r: WorkerReport) =>
    toCoordinator.push([`task-${w.setup.rank}`, { v: 1, type: 'worker-report', run, rank: w.setup.rank, report: r }]);
  return { coordinator, store, trialId, run, workers, statuses, flush, report, slurm, tick: () => ((clock += 10), coordinator.tick()) };
}

const exit = (rank: number, code: number | null, signal: string | null): WorkerExit => ({
  rank,
  code,
  signal,
  ok: code === 0,
  description: `rank ${rank} exited`,
});

describe('peer recovery under Slurm', () => {
  it('replaces a killed worker in its own task: the survivor keeps its state, both form the next group, the job runs on', async () => {
    const t = await slurmTrial('recovery: peer');
    expect(t.store.trial(t.trialId)).toMatchObject({ state: 'running', placement: { slurmJob: '77' } });
    expect(t.store.trial(t.trialId).placement?.workers.map((w) => [w.rank, w.agent, w.host, w.port])).toEqual([
      [0, 'task-0', 'n1', 4000],
      [1, 'task-1', 'n2', 4000],
    ]);
    const [w0, w1] = t.workers as [FakeWorker, FakeWorker];
    w1.onExit(exit(1, null, 'SIGKILL'));
    await t.flush();
    expect(w0.sent).toEqual([{ v: 1, type: 'regroup', generation: 1, phase: 'leave' }]);
    const replacement = t.workers[2]!;
    expect(replacement.setup).toMatchObject({ rank: 1, peers: ['tcp://n1:4000', 'tcp://n2:4000'], joinGeneration: 1, peerRecovery: true });
    t.report(w0, { v: 1, type: 'regroup', rank: 0, generation: 1, holds: true, step: 41 });
    t.report(replacement, { v: 1, type: 'regroup', rank: 1, generation: 1, holds: false, step: 0 });
    await t.flush();
    const join = { v: 1, type: 'regroup', generation: 1, phase: 'join' };
    expect(w0.sent.at(-1)).toEqual(join);
    expect(replacement.sent).toEqual([join]);
    t.report(w0, { v: 1, type: 'recovered', generation: 1, step: 41, source: 0, replaced: [1], seconds: 1.2 });
    await t.flush();
    const events = t.store.events(t.store.trial(t.trialId).experimentId).map((e) => `${e.kind}: ${e.message}`);
    expect(events.some((e) => /^peer-recovery: trial 0: rank 1 exited with signal SIGKILL; rank 0 keeps its state; replacing rank 1 on task-1 /.test(e))).toBe(
      true,
    );
    expect(
      events.some((e) => /^peer-recovered: trial 0: recovered in [\d.]+ s \(rank 1 replaced\)/.test(e)),
      events.join('\n'),
    ).toBe(true);
    expect(t.store.trial(t.trialId)).toMatchObject({ state: 'running', attempt: 1, restarts: 0 });
    expect(t.statuses.size).toBe(0);
    // The run then ends as usual: both workers finish, the job completes.
    w0.onExit(exit(0, 0, null));
    replacement.onExit(exit(1, 0, null));
    await t.flush();
    expect([...t.statuses.values()]).toEqual([0, 0]);
  });

  it('a loss that cannot be replaced (max_replacements spent) ends the task with the failure, and Slurm ends the job', async () => {
    const t = await slurmTrial('recovery: peer, max_replacements: 0');
    t.workers[1]!.onExit(exit(1, 3, null));
    await t.flush();
    expect(t.workers).toHaveLength(2);
    expect(t.statuses.get('task-1')).toBe(3);
    t.slurm.jobState = 'FAILED';
    t.tick();
    await t.flush();
    // Restarted from the checkpoint: a new sbatch job (attempt 2).
    expect(t.store.trial(t.trialId)).toMatchObject({ state: 'scheduled', attempt: 2, restarts: 1 });
  });
});
