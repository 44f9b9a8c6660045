/**
 * The sbatch script of one trial attempt: one task per worker (`--gpus-per-task` when the spec asks
 * for GPUs), requeue allowed, every task running `orquesta slurm-task`, which joins the run's
 * rendezvous on the coordinator and starts the worker.
 */
export interface BatchScriptOptions {
  readonly jobName: string;
  readonly tasks: number;
  readonly gpusPerTask: number;
  readonly partition?: string;
  /** Directory the tasks run in (the spec's relative paths resolve against it). */
  readonly workdir: string;
  /** File Slurm writes the job's output to. */
  readonly output: string;
  readonly node: string;
  readonly cli: string;
  /** Control endpoint tasks connect to (tcp://HOST:PORT). */
  readonly control: string;
  readonly run: string;
  readonly specPath: string;
  /** The coordinator's token for the tasks' rendezvous (the script is written with mode 0600). */
  readonly token?: string;
  /** The control socket's CURVE public key. */
  readonly controlKey?: string;
  /** The key pair tasks connect to the control socket with (the script is written with mode 0600). */
  readonly taskKeys?: { readonly publicKey: string; readonly secretKey: string };
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function batchScript(o: BatchScriptOptions): string {
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${o.jobName.replace(/[^A-Za-z0-9_.-]/g, '_')}`,
    `#SBATCH --ntasks=${o.tasks}`,
    ...(o.gpusPerTask > 0 ? [`#SBATCH --gpus-per-task=${o.gpusPerTask}`] : []),
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    '#SBATCH --requeue',
    `#SBATCH --output=${o.output}`,
    `#SBATCH --chdir=${o.workdir}`,
    ...(o.token ? [`export ORQUESTA_TOKEN=${quote(o.token)}`] : []),
    ...(o.controlKey ? [`export ORQUESTA_CONTROL_KEY=${quote(o.controlKey)}`] : []),
    ...(o.taskKeys
      ? [`export ORQUESTA_CONTROL_CLIENT_PUBLIC_KEY=${quote(o.taskKeys.publicKey)}`, `export ORQUESTA_CONTROL_CLIENT_SECRET_KEY=${quote(o.taskKeys.secretKey)}`]
      : []),
    // A failed task ends the step at once; the coordinator restarts the trial from its checkpoint.
    `exec srun --kill-on-bad-exit=1 ${quote(o.node)} ${quote(o.cli)} slurm-task --control ${quote(o.control)} --run ${quote(o.run)} --spec ${quote(o.specPath)}`,
    '',
  ].join('\n');
}
