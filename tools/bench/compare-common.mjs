// Shared by the compare-*.mjs scripts: the environment both sides run in, and the summary statistics.

/**
 * Both sides get OpenBLAS's own core choice (the environment may pin an older core type) and glibc
 * malloc settings that keep freed memory in the process: PyTorch allocates a fresh buffer per op, and
 * with the default thresholds every large one is mmap'd and page-faulted in again (on the 2-core VM
 * of docs/benchmarks.md that halved PyTorch's speed).
 */
export function benchEnv(base = process.env) {
  const env = { ...base, GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=4294967296:glibc.malloc.mmap_threshold=4294967296:glibc.malloc.top_pad=1073741824' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median, min and max. */
export const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/** `median (min a, max b)` with `digits` decimals. */
export const formatStats = (s, digits = 0) => `${s.median.toFixed(digits)} (min ${s.min.toFixed(digits)}, max ${s.max.toFixed(digits)})`;
