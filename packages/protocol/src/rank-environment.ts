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
