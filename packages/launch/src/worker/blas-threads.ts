/** OpenBLAS threads per worker: ORQUESTA_BLAS_THREADS when the launcher's environment sets it, else the host's cores shared by the run's workers on it. */
import { ENV } from '@orquesta/protocol';

export function blasThreadsFor(env: Readonly<Record<string, string | undefined>>, cores: number, localWorldSize: number): number {
  const set = Number(env[ENV.blasThreads]);
  if (Number.isInteger(set) && set >= 1) return set;
  return Math.max(1, Math.floor(cores / Math.max(1, localWorldSize)));
}
