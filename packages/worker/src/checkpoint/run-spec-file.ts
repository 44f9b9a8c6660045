/**
 * The spec a run trained with, beside its tokenizer and checkpoints (CHECKPOINT_DIR/spec.json), so
 * `translate`, `generate` and `evaluate` can load a run directory by itself. Rank 0 writes it atomically.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseWorkerSpec, workerSpecJson, type ExperimentSpec } from '@orquesta/protocol';

export const RUN_SPEC_FILE = 'spec.json';

export async function writeRunSpec(runDir: string, spec: ExperimentSpec): Promise<void> {
  const path = join(runDir, RUN_SPEC_FILE);
  const partial = `${path}.${process.pid}.partial`;
  await mkdir(runDir, { recursive: true });
  await writeFile(partial, workerSpecJson(spec));
  await rename(partial, path);
}

/** @throws {Error} unreadable; @throws {WorkerSetupError} not a valid spec, naming the field. */
export async function readRunSpec(runDir: string): Promise<ExperimentSpec> {
  const path = join(runDir, RUN_SPEC_FILE);
  return parseWorkerSpec(await readFile(path, 'utf8'), path);
}
