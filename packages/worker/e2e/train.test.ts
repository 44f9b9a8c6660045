/**
 * `orquesta train` as a user runs it: two worker processes over ZeroMQ ipc, checkpoints on disk.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors } from '@orquesta/model';
import { describe, expect, it } from 'vitest';
import { startTrain, tempDir, tinySpec } from './train-cli.js';

const checkpointBytes = (dir: string, step: number, file: string) => readFileSync(join(dir, 'run', `step-${String(step).padStart(8, '0')}`, file));

describe('orquesta train', () => {
  it('resumes exactly: 20 steps straight equal 10 + resume + 10, bit for bit', async () => {
    const straight = tempDir();
    const split = tempDir();
    const a = await startTrain([tinySpec(straight)]).done;
    expect(a.code, a.stderr).toBe(0);
    const b1 = await startTrain([tinySpec(split), '--set', 'training.max_steps=10']).done;
    expect(b1.code, b1.stderr).toBe(0);
    const b2 = await startTrain([tinySpec(split)]).done;
    expect(b2.code, b2.stderr).toBe(0);
    expect(b2.stderr).toContain('resuming from step 10');
    const summary = JSON.parse(a.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ ok: true, steps: 20 });
    // BLEU of greedy translations of the first 200 validation pairs, measured at each evaluation.
    expect(summary.valid_bleu).toBeGreaterThanOrEqual(0);
    expect(summary.valid_bleu).toBeLessThanOrEqual(100);
    const b2Summary = JSON.parse(b2.stdout.trim().split('\n').at(-1)!);
    expect(b2Summary.valid_bleu).toBe(summary.valid_bleu); // same weights, same translations
    for (const file of ['model.safetensors', 'optimizer.safetensors']) {
      expect(Buffer.compare(checkpointBytes(straight, 20, file), checkpointBytes(split, 20, file)), file).toBe(0);
    }
  });

  it('survives kill -9 of a worker of a sharded run with max_restarts, restarting from the last checkpoint, bit for bit the unsharded run', async () => {
    const straight = tempDir();
    const killed = tempDir();
    const a = await startTrain([tinySpec(straight)]).done;
    expect(a.code, a.stderr).toBe(0);
    let killedAt = 0;
    const pids = new Map<number, number>();
    let checkpointed = false;
    const run = startTrain([tinySpec(killed), '--set', 'fault_tolerance.max_restarts=2', '--set', 'optimizer.shard=true'], (line) => {
      const pid = /^\[rank (\d+)\] pid (\d+)$/.exec(line);
      if (pid) pids.set(Number(pid[1]), Number(pid[2]));
      if (line.includes('checkpoint step 5: ')) checkpointed = true;
    });
    // Once the first checkpoint is reported (written in the background, then reported), kill rank 1 mid-run.
    while (killedAt === 0) {
      await new Promise((r) => setTimeout(r, 25));
      if (pids.has(1) && checkpointed) {
        killedAt = Date.now();
        process.kill(pids.get(1)!, 'SIGKILL');
      }
    }
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/trial 0 rank 1 exited with signal SIGKILL/);
    const restart = /restarting -> queued: restart 1 of 2 from .*step-000000(\d\d)/.exec(result.stderr);
    expect(restart, result.stderr).not.toBeNull();
    expect(result.stderr).toContain(`resuming from step ${Number(restart![1])}`);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ ok: true, steps: 20 });
    // Goodput counts the restart: two start-ups and the killed attempt's lost work are not productive.
    expect(summary.goodput).toBeGreaterThan(0);
    expect(summary.goodput).toBeLessThan(1);
    expect(summary.time_use.startup).toBeGreaterThan(0);
    expect(summary.time_use.replayed).toBeGreaterThan(0);
    expect(Buffer.compare(checkpointBytes(straight, 20, 'model.safetensors'), checkpointBytes(killed, 20, 'model.safetensors'))).toBe(0);
    // The sharded run writes its moments bucket by bucket, so the file orders them differently; every tensor is equal.
    const moments = (dir: string) => decodeSafetensors(checkpointBytes(dir, 20, 'optimizer.safetensors'));
    const [reference, sharded] = [moments(straight), moments(killed)];
    expect([...sharded.tensors.keys()].sort()).toEqual([...reference.tensors.keys()].sort());
    for (const [name, t] of reference.tensors)
      expect(
        Buffer.from(sharded.tensors.get(name)!.data.buffer, sharded.tensors.get(name)!.data.byteOffset, t.data.byteLength).equals(
          Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
        ),
        name,
      ).toBe(true);
  });

  it('recovers from three kill -9s by peer recovery, replacing only the killed worker, bit for bit the uninterrupted run', async () => {
    const straight = tempDir();
    const killed = tempDir();
    const settings = ['--set', 'training.max_steps=1500', '--set', 'checkpoint.every_steps=2000', '--set', 'training.eval_every_steps=2000'];
    const a = await startTrain([tinySpec(straight), ...settings]).done;
    expect(a.code, a.stderr).toBe(0);
    const pids = new Map<number, number>();
    // Kill rank 1, then rank 0 (the checkpoint writer), then rank 1 again, each once training is past the step.
    const plan = [
      { afterStep: 100, rank: 1 },
      { afterStep: 500, rank: 0 },
      { afterStep: 900, rank: 1 },
    ];
    let next = 0;
    let recovering = false;
    const run = startTrain([tinySpec(killed, 'fault_tolerance: { recovery: peer, max_restarts: 0 }'), ...settings], (line) => {
      const pid = /^\[rank (\d+)\] pid (\d+)$/.exec(line);
      if (pid) pids.set(Number(pid[1]), Number(pid[2]));
      if (line.includes(': recovered in ')) recovering = false;
      const step = /step (\d+)\/1500/.exec(line);
      const kill = plan[next];
      if (step && kill && !recovering && Number(step[1]) >= kill.afterStep && pids.has(kill.rank)) {
        next++;
        recovering = true;
        try {
          process.kill(pids.get(kill.rank)!, 'SIGKILL');
        } catch {
          // the run ended first; the count below says so
        }
      }
    });
    const result = await run.done;
    expect(next).toBe(3);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.match(/trial 0: recovered in [\d.]+ s \(rank \d replaced\)/g), result.stderr).toHaveLength(3);
    expect(result.stderr).toMatch(/replacing rank 0 on local \(process group 2/);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ ok: true, steps: 1500, peer_recoveries: 3, restarts: 0 });
    expect(summary.time_use.recovery).toBeGreaterThan(0);
    expect(summary.goodput).toBeLessThan(1);
    for (const file of ['model.safetensors', 'optimizer.safetensors'])
      expect(Buffer.compare(checkpointBytes(straight, 1500, file), checkpointBytes(killed, 1500, file)), file).toBe(0);
  });

  it('names a worker killed with SIGKILL within seconds and exits 1 when no restart is left', async () => {
    const dir = tempDir();
    let killedAt = 0;
    const pids = new Map<number, number>();
    const run = startTrain(
      [tinySpec(dir), '--set', 'training.max_steps=100000', '--set', 'checkpoint.every_steps=100000', '--set', 'fault_tolerance.max_restarts=0'],
      (line) => {
        const pid = /^\[rank (\d+)\] pid (\d+)$/.exec(line);
        if (pid) pids.set(Number(pid[1]), Number(pid[2]));
        if (killedAt === 0 && /step \d+\/100000/.test(line) && pids.has(1)) {
          killedAt = Date.now();
          process.kill(pids.get(1)!, 'SIGKILL');
        }
      },
    );
    const result = await run.done;
    expect(killedAt).toBeGreaterThan(0);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/orquesta train: failed: rank 1 exited with signal SIGKILL/);
    expect(Date.now() - killedAt).toBeLessThan(15_000);
  });

  it('takes its workers down when the launcher itself is killed', async () => {
    const dir = tempDir();
    const pids = new Map<number, number>();
    let killed = false;
    const run = startTrain([tinySpec(dir), '--set', 'training.max_steps=100000'], (line, child) => {
      const pid = /^\[rank (\d+)\] pid (\d+)$/.exec(line);
      if (pid) pids.set(Number(pid[1]), Number(pid[2]));
      if (!killed && /step \d+\/100000/.test(line) && pids.size === 2) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    await run.done;
    expect(killed).toBe(true);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 10_000;
    while ([...pids.values()].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect([...pids.values()].filter(alive)).toEqual([]);
  });

  // One worker too: its steps never wait on a socket, so only a turn of the event loop per step lets its SIGTERM handler run.
  it.each([2, 1])('stops on SIGTERM after the current step with a checkpoint, and resumes from it (%i worker(s))', async (workers) => {
    const dir = tempDir();
    let signalled = false;
    const args = [tinySpec(dir), '--set', 'training.max_steps=100000', '--set', 'checkpoint.every_steps=100000', '--set', `resources.workers=${workers}`];
    const run = startTrain(args, (line, child) => {
      if (!signalled && /step \d+\/100000/.test(line)) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('stopped on request');
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    expect(summary.checkpoint).toMatch(/step-\d{8}$/);
    const resumed = await startTrain([tinySpec(dir), '--set', `training.max_steps=${summary.steps + 6}`, '--set', `resources.workers=${workers}`]).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming from step ${summary.steps}`);
  });
});
