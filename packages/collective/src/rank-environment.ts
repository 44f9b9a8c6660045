/**
 * Environment recommended for rank processes, to be set by whoever starts them (a launcher, the
 * benchmark with `--rank-env`); the variables are glibc's, read when the process starts.
 *
 * zeromq.js receives every message into a fresh malloc'd buffer, freed only when V8 collects it. With
 * glibc's default dynamic thresholds those buffers are returned to the kernel after each collection, so
 * the next receives page-fault them in again: on the 2-core VM of docs/benchmarks.md that cost about a
 * quarter of the CPU time of a 64 MiB all-reduce. Raising the trim threshold to 1 GiB and the mmap
 * threshold to 32 MiB keeps the memory in the process (its resident size stays at its high-water mark).
 */
export const RECOMMENDED_RANK_ENV: Readonly<Record<string, string>> = {
  GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432',
};
