import { ENV } from './env.js';

/**
 * Environment recommended for worker (rank) processes, set by the launchers (`orquesta train`,
 * the benchmarks with `--rank-env recommended`) unless the user's environment already sets the
 * variable; the variables are glibc's, read when the process starts.
 *
 * zeromq.js receives every message into a fresh malloc'd buffer, freed only when V8 collects it. With
 * glibc's default dynamic thresholds those buffers are returned to the kernel after each collection, so
 * the next receives page-fault them in again: on the 2-core VM of docs/benchmarks.md that cost about a
 * quarter of the CPU time of a 64 MiB all-reduce. The training step's own per-step arrays (gradients
 * read back from the backend) are recycled the same way. Raising the trim threshold to 1 GiB and the mmap
 * threshold to 32 MiB keeps the memory in the process (its resident size stays at its high-water mark).
 */
export const RECOMMENDED_RANK_ENV: Readonly<Record<string, string>> = {
  GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432',
};

/** The recommended variables that `env` does not set already (the user's choice wins). */
export function recommendedRankEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(RECOMMENDED_RANK_ENV).filter(([k]) => env[k] === undefined));
}

/**
 * V8 flags recommended for worker (rank) processes that all-reduce over sockets. V8 reads them from the
 * command line only (NODE_OPTIONS cannot carry them), so the launchers (`orquesta train`, node agents,
 * Slurm tasks, `orquesta bench`) put them before the worker's script; `ORQUESTA_RANK_NODE_FLAGS`
 * replaces them (whitespace-separated flags; empty: none).
 *
 * zeromq.js hands every received message to V8 as an external buffer and reports its size as external
 * memory, so a rank receiving gradients over sockets asks V8 for a major collection every few tens of
 * MiB. With incremental marking each request starts a marking cycle that runs in steps between tasks and
 * is finalised later, while more buffers arrive: on the 2-core VM of docs/benchmarks.md a 64 MiB
 * all-reduce of 4 ranks over loopback spent 168-192 ms of CPU per rank and reached 0.23-0.27 GB/s bus
 * bandwidth, and 131 ms / 0.30-0.31 GB/s with these flags (atomic collections of the small JS heap;
 * tensors live outside it). Ranks that all share one host all-reduce through shared memory and receive
 * no such buffers, so they get none (their training step's own collections stay incremental).
 */
export const RECOMMENDED_RANK_NODE_FLAGS: readonly string[] = ['--no-incremental-marking', '--no-concurrent-array-buffer-sweeping'];

/**
 * The node flags a launcher puts before a rank's script: `env`'s ORQUESTA_RANK_NODE_FLAGS if set, else
 * the recommended ones when the ranks all-reduce over sockets (`sockets`: some ranks run on other hosts,
 * or shared memory is turned off) and none when they share one host's memory.
 */
export function rankNodeFlags(env: Readonly<Record<string, string | undefined>>, sockets: boolean): string[] {
  const own = env[ENV.rankNodeFlags];
  if (own !== undefined) return own.split(/\s+/).filter((flag) => flag !== '');
  return sockets ? [...RECOMMENDED_RANK_NODE_FLAGS] : [];
}

/**
 * OpenBLAS threads for one worker so that the workers of a run on one machine never oversubscribe it:
 * ORQUESTA_BLAS_THREADS when `env` sets it to a positive integer, else the host's `cores` shared by the
 * `localWorldSize` workers on it, at least 1. Launchers and the worker's own default both use it.
 */
export function blasThreadsForRank(env: Readonly<Record<string, string | undefined>>, cores: number, localWorldSize: number): number {
  const explicit = Number(env[ENV.blasThreads]);
  if (Number.isInteger(explicit) && explicit >= 1) return explicit;
  return Math.max(1, Math.floor(cores / Math.max(1, localWorldSize)));
}
