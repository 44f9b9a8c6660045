/**
 * Writes one Slurm attempt of a trial: its spec (JSON) and batch script (mode 0600: it holds the
 * coordinator's token and the tasks' control key pair) in STATE_DIR/slurm/RUN/. @returns the script to submit.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentSpec } from '@orquesta/protocol';
import { writeWorkerSpec } from '@orquesta/launch';
import { batchScript } from './batch-script.js';

export interface SlurmAttempt {
  readonly stateDir: string;
  readonly run: string;
  readonly trialId: number;
  readonly specJson: string;
  readonly workdir: string;
  readonly node: string;
  readonly cli: string;
  readonly control: string;
  readonly token?: string;
  readonly controlKey?: string;
  readonly taskKeys?: { readonly publicKey: string; readonly secretKey: string };
}

export function writeSlurmAttempt(a: SlurmAttempt): string {
  const spec = JSON.parse(a.specJson) as ExperimentSpec;
  const dir = join(a.stateDir, 'slurm', a.run);
  const specPath = writeWorkerSpec(dir, spec);
  const script = batchScript({
    jobName: `orquesta-${spec.name}-${a.trialId}`,
    tasks: spec.resources.workers,
    gpusPerTask: spec.resources.gpus_per_worker,
    ...(spec.resources.partition ? { partition: spec.resources.partition } : {}),
    workdir: a.workdir,
    output: join(dir, 'slurm-%j.out'),
    node: a.node,
    cli: a.cli,
    control: a.control,
    run: a.run,
    specPath,
    ...(a.token ? { token: a.token } : {}),
    ...(a.controlKey ? { controlKey: a.controlKey } : {}),
    ...(a.taskKeys ? { taskKeys: a.taskKeys } : {}),
  });
  writeFileSync(join(dir, 'job.sbatch'), script, { mode: 0o600 });
  return script;
}
