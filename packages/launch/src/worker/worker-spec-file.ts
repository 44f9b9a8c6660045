/** The one place a launcher writes a run's spec file (`ORQUESTA_SPEC` points the workers at it). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workerSpecJson, type ExperimentSpec } from '@orquesta/protocol';

/** Writes DIR/spec.json and returns its path. @throws {Error} the directory or file cannot be written. */
export function writeWorkerSpec(dir: string, spec: ExperimentSpec): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'spec.json');
  writeFileSync(path, workerSpecJson(spec));
  return path;
}
