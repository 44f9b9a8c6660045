/**
 * The Slurm commands the coordinator uses: `sbatch --parsable` (the script on stdin), `squeue --json`
 * and `scancel`. SLURM_CONF and the usual Slurm environment apply.
 */
import { execFile, spawn } from 'node:child_process';

/** A Slurm job as `squeue --json` reports it. */
export interface SlurmJob {
  readonly id: string;
  /** PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, NODE_FAIL, TIMEOUT, ... */
  readonly state: string;
  /** How often Slurm requeued the job (after a node failure, or `scontrol requeue`). */
  readonly restarts: number;
  readonly reason: string;
  readonly nodes: string;
}

export interface SlurmClient {
  /** @throws {SlurmCommandError} sbatch refused the job. */
  submit(script: string): Promise<string>;
  /** Jobs Slurm still knows (finished ones for MinJobAge). @throws {SlurmCommandError} */
  jobs(): Promise<SlurmJob[]>;
  /** `signal`: TERM asks the tasks to checkpoint and stop; without it the job is killed. @throws {SlurmCommandError} */
  cancel(id: string, signal?: 'TERM'): Promise<void>;
}

/** A Slurm command failed or printed something unexpected. */
export class SlurmCommandError extends Error {
  override readonly name = 'SlurmCommandError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

export class CommandLineSlurm implements SlurmClient {
  submit(script: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn('sbatch', ['--parsable'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('error', (cause) => reject(new SlurmCommandError(`cannot run sbatch: ${cause.message}`, { cause })));
      child.on('close', (code) => {
        const id = out.trim().split(';')[0] ?? '';
        if (code === 0 && /^\d+$/.test(id)) resolve(id);
        else reject(new SlurmCommandError(`sbatch failed (exit ${code}): ${err.trim() || out.trim()}`));
      });
      child.stdin.end(script);
    });
  }

  async jobs(): Promise<SlurmJob[]> {
    const text = await run('squeue', ['--json', '--states=all']);
    let parsed: { jobs?: Record<string, unknown>[] };
    try {
      parsed = JSON.parse(text) as { jobs?: Record<string, unknown>[] };
    } catch (cause) {
      throw new SlurmCommandError('squeue --json printed no JSON', { cause });
    }
    return (parsed.jobs ?? []).map((j) => ({
      id: String(j['job_id']),
      state: String(j['job_state'] ?? 'UNKNOWN'),
      restarts: Number(j['restart_cnt'] ?? 0),
      reason: String(j['state_reason'] ?? ''),
      nodes: String(j['nodes'] ?? ''),
    }));
  }

  async cancel(id: string, signal?: 'TERM'): Promise<void> {
    await run('scancel', signal ? ['--signal', signal, '--full', id] : [id]);
  }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new SlurmCommandError(`${command} ${args.join(' ')} failed: ${stderr.trim() || error.message}`, { cause: error }));
      else resolve(stdout);
    });
  });
}
