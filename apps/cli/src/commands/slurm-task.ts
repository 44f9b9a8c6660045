/** `orquesta slurm-task` (hidden): one task of a trial's sbatch job; exits with the worker's status. */
import { fileURLToPath } from 'node:url';
import { RendezvousTimeoutError, runSlurmTask, SlurmEnvironmentError } from '@orquesta/launch';
import { EXIT, type CliIO, type ExitCode } from '../io.js';

export async function slurmTaskCommand(flags: { control: string; run: string; spec: string }, io: CliIO): Promise<ExitCode> {
  try {
    const status = await runSlurmTask({
      control: flags.control,
      run: flags.run,
      specPath: flags.spec,
      workerMain: fileURLToPath(import.meta.resolve('@orquesta/worker/main')),
      log: (line) => io.err(`orquesta slurm-task: ${line}`),
      env: process.env,
    });
    process.exitCode = status;
    return (status === 0 ? EXIT.ok : EXIT.failure) as ExitCode;
  } catch (error) {
    if (error instanceof SlurmEnvironmentError || error instanceof RendezvousTimeoutError) {
      io.err(`orquesta slurm-task: ${error.message}`);
      return EXIT.failure;
    }
    throw error;
  }
}
