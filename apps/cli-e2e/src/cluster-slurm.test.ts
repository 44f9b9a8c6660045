/**
 * The Slurm launcher against a real Slurm (Debian's slurm-wlm and munge): infra/slurm/slurm-up.sh
 * starts slurmctld and three emulated nodes with two fake GPUs each; `orquesta serve --slurm` runs
 * each trial as one sbatch job, one task per worker. Covered: a gang spanning two nodes, Slurm's
 * requeue of a running job (the tasks resume from the last checkpoint), kill -9 of a worker (the job
 * fails; the coordinator resubmits from the checkpoint), and the same kill under peer recovery (the
 * worker is replaced in its task; the job runs on). The API is HTTPS (the CLI pins its certificate on
 * first use). Needs root.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFetch, freePort, testToken, tinySpec } from './cluster-fixtures.js';
import { orquesta, ROOT } from './run-cli.js';

const BIN = fileURLToPath(new URL('../../cli/bin/orquesta.js', import.meta.url));
const canRun = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v slurmctld && command -v munged']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'orquesta-slurm-e2e-'));
const spec = (name: string, steps: number, gpusPerWorker: number, more = '') =>
  tinySpec(dir, name, steps, `resources: { workers: 2, launcher: slurm, gpus_per_worker: ${gpusPerWorker} }${more}`);
const slurmDir = join(dir, 'slurm');
const env = {
  ...process.env,
  SLURM_DIR: slurmDir,
  SLURM_CONF: join(slurmDir, 'slurm.conf'),
  CTLD_PORT: String(21000 + (process.pid % 500) * 8),
  NODE_PORT_BASE: String(21001 + (process.pid % 500) * 8),
};
let serve: ChildProcess | undefined;
let url = '';
const api = apiFetch(dir);
process.env['ORQUESTA_CONFIG_DIR'] = join(dir, 'cli-config');

const slurm = (command: string, ...args: string[]) => execFileSync(command, args, { env, encoding: 'utf8' });

interface Status {
  state: string;
  trials: { state: string; step: number; restarts: number; attempt: number; lastCheckpoint: string | null }[];
}

const status = async (id: number) => (await (await api(`${url}/api/experiments/${id}`)).json()) as Status;
const events = async (id: number) =>
  ((await (await api(`${url}/api/experiments/${id}/events`)).json()) as { kind: string; message: string }[]).map((e) => `${e.kind}: ${e.message}`);

async function until(id: number, pred: (s: Status) => boolean, timeoutMs: number): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  let last: Status | undefined;
  while (Date.now() < deadline) {
    last = await status(id);
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`experiment ${id} did not get there: ${JSON.stringify(last)}\n${(await events(id)).join('\n')}`);
}

function submit(file: string): number {
  const run = orquesta(['submit', file, '--coordinator', url]);
  expect(run.status, run.stderr).toBe(0);
  return Number(run.stdout.trim());
}

/** The Slurm job id of an experiment's current attempt. */
async function slurmJob(id: number): Promise<string> {
  const submitted = (await events(id)).filter((e) => e.startsWith('slurm-submit')).at(-1) ?? '';
  return /Slurm job (\d+)/.exec(submitted)?.[1] ?? '';
}

beforeAll(async () => {
  if (!canRun) return;
  execFileSync('bash', [join(ROOT, 'infra/slurm/slurm-up.sh')], { env, stdio: 'pipe' });
  const [port, control] = [await freePort(), await freePort()];
  // An agent key list without agents: Slurm tasks are admitted by the key pair the batch script gives them.
  writeFileSync(join(dir, 'agents.keys'), '# no agents: Slurm tasks only\n');
  serve = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--slurm',
      '--port',
      String(port),
      '--control-port',
      String(control),
      '--db',
      join(dir, 'coordinator.db'),
      '--token-file',
      testToken(dir),
      '--allow-path',
      dir,
      '--agent-keys',
      join(dir, 'agents.keys'),
    ],
    { cwd: ROOT, env, stdio: 'ignore' },
  );
  url = `https://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await api(`${url}/api/cluster`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('orquesta serve --slurm did not start');
}, 60_000);

afterAll(() => {
  serve?.kill('SIGKILL');
  if (canRun) execFileSync('bash', [join(ROOT, 'infra/slurm/slurm-down.sh')], { env, stdio: 'pipe' });
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!canRun)('Slurm launcher', () => {
  it('runs the gang as one sbatch job across two nodes, one task per GPU pair', async () => {
    const id = submit(spec('spread', 20, 2));
    const done = await until(id, (s) => ['succeeded', 'failed'].includes(s.state), 120_000);
    const log = await events(id);
    expect(done.state, log.join('\n')).toBe('succeeded');
    expect(log.some((e) => /running on node\[\d-\d\]/.test(e))).toBe(true);
    expect(log.some((e) => /^rendezvous: run \d+\.1: 2 Slurm task\(s\) joined/.test(e))).toBe(true);
    const job = await slurmJob(id);
    expect(slurm('squeue', '--json', '--states=all')).toMatch(new RegExp(`"job_id": ${job},`));
  }, 150_000);

  it("follows Slurm's requeue of a running job: the tasks resume from the last checkpoint", async () => {
    const id = submit(spec('requeued', 400, 1));
    await until(id, (s) => s.trials[0]!.lastCheckpoint !== null && s.state === 'running', 90_000);
    const job = await slurmJob(id);
    slurm('scontrol', 'requeue', job);
    // Slurm holds a requeued job for a while (BeginTime); let it start now.
    for (let i = 0; i < 50 && !/JobState=PENDING/.test(slurm('scontrol', 'show', 'job', job)); i++) await new Promise((r) => setTimeout(r, 100));
    // Not before the first run's tasks are gone from the nodes: a batch script whose end reaches slurmctld
    // after the job started again fails the new run (seen under load: FAILED, NonZeroExitCode).
    for (let i = 0; i < 100 && /comp/i.test(slurm('sinfo', '-h', '-N', '-o', '%T')); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    slurm('scontrol', 'update', `JobId=${job}`, 'StartTime=now');
    const done = await until(id, (s) => ['succeeded', 'failed'].includes(s.state), 150_000);
    const log = await events(id);
    expect(done.state, log.join('\n')).toBe('succeeded');
    expect(done.trials[0], log.join('\n')).toMatchObject({ restarts: 0, attempt: 1, step: 400 });
    expect(log.some((e) => e.startsWith(`slurm-requeue: trial 0: Slurm requeued job ${job}`))).toBe(true);
    expect(log.some((e) => /resumed from step [1-9]\d*/.test(e))).toBe(true);
  }, 200_000);

  it('resubmits from the last checkpoint when a worker is killed with -9', async () => {
    const id = submit(spec('killed', 400, 1));
    await until(id, (s) => s.trials[0]!.lastCheckpoint !== null && s.state === 'running', 90_000);
    const logs = await (await api(`${url}/api/experiments/${id}/logs`)).text();
    const pid = Number(/"rank":1,"line":"pid (\d+)"/.exec(logs)?.[1]);
    expect(pid).toBeGreaterThan(0);
    const job = await slurmJob(id);
    process.kill(pid, 'SIGKILL');
    // restarts counts up when the trial is queued again; attempt when Slurm has it placed again.
    const restarted = await until(id, (s) => s.trials[0]!.restarts === 1 && s.trials[0]!.attempt > 1, 30_000);
    expect(restarted.trials[0]!.attempt).toBe(2);
    const done = await until(id, (s) => ['succeeded', 'failed'].includes(s.state), 150_000);
    const log = await events(id);
    expect(done.state, log.join('\n')).toBe('succeeded');
    expect(log.some((e) => e.includes(`Slurm job ${job} ended FAILED`) && e.includes('rank 1 exited with signal SIGKILL'))).toBe(true);
    expect(await slurmJob(id)).not.toBe(job);
  }, 250_000);

  it('peer recovery: a worker killed with -9 is replaced in its own task, and the same job runs on', async () => {
    const id = submit(spec('replaced', 300, 1, '\nfault_tolerance: { recovery: peer }'));
    await until(id, (s) => s.trials[0]!.step >= 20 && s.state === 'running', 90_000);
    const logs = await (await api(`${url}/api/experiments/${id}/logs`)).text();
    const pid = Number(/"rank":1,"line":"pid (\d+)"/.exec(logs)?.[1]);
    expect(pid).toBeGreaterThan(0);
    const job = await slurmJob(id);
    process.kill(pid, 'SIGKILL');
    const done = await until(id, (s) => ['succeeded', 'failed'].includes(s.state), 150_000);
    const log = await events(id);
    expect(done.state, log.join('\n')).toBe('succeeded');
    expect(done.trials[0], log.join('\n')).toMatchObject({ restarts: 0, attempt: 1, step: 300 });
    expect(
      log.some((e) => /^peer-recovery: trial 0: rank 1 exited with signal SIGKILL; rank 0 keeps its state; replacing rank 1 on slurm-\d+-1-\d+/.test(e)),
      log.join('\n'),
    ).toBe(true);
    expect(log.some((e) => /^peer-recovered: trial 0: recovered in [\d.]+ s \(rank 1 replaced\)/.test(e))).toBe(true);
    expect(log.filter((e) => e.startsWith('slurm-submit'))).toHaveLength(1);
    expect(await slurmJob(id)).toBe(job);
  }, 250_000);

  it("sends a user's next gang to sbatch only when their slot quota holds it", async () => {
    const alice = orquesta(['token', 'create', 'alice', '--role', 'submitter', '--coordinator', url]);
    expect(alice.status, alice.stderr).toBe(0);
    expect(orquesta(['quota', 'set', 'alice', '--max-slots', '2', '--coordinator', url]).status).toBe(0);
    const asAlice = (file: string) =>
      spawnSync(process.execPath, [BIN, 'submit', file, '--coordinator', url], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, ORQUESTA_TOKEN: alice.stdout.trim() },
      });
    const submitted = (file: string): number => {
      const run = asAlice(file);
      expect(run.status, run.stderr).toBe(0);
      return Number(run.stdout.trim());
    };
    const first = submitted(spec('quota-first', 60, 1));
    const second = submitted(spec('quota-second', 20, 1));
    await until(first, (s) => s.state === 'running', 90_000);
    const waiting = orquesta(['status', String(second), '--coordinator', url]);
    expect(waiting.stdout).toContain("trial 0 waits for alice's quota: 2 of 2 slot(s) in use, this trial needs 2");
    expect(await slurmJob(second)).toBe(''); // not handed to sbatch
    const firstDone = await until(first, (s) => ['succeeded', 'failed'].includes(s.state), 150_000);
    expect(firstDone.state).toBe('succeeded');
    expect((await until(second, (s) => ['succeeded', 'failed'].includes(s.state), 150_000)).state).toBe('succeeded');
    expect(orquesta(['quota', 'set', 'alice', '--coordinator', url]).status).toBe(0);
  }, 320_000);
});
