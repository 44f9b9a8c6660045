import type { MemoryPlan } from './memory-model.js';

const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);

/** The memory plan as `orquesta plan` and `orquesta train` print it: one line per worker figure, then the problems. */
export function formatMemoryPlan(plan: MemoryPlan): string[] {
  const { heap, rss } = plan;
  const lines = [
    plan.wasm
      ? `memory per worker: wasm heap ${mib(heap.total)} MiB of 4096 (parameters and gradients ${mib(heap.parameters)}, activations ${mib(heap.activations)}, runtime ${mib(heap.base)}; ${mib(heap.worstCase)} with every batch full)`
      : 'memory per worker: tensors outside a wasm heap (this backend keeps them in host or GPU memory; not planned)',
    `  host RSS ${mib(rss.total)} MiB (${plan.wasm ? `wasm heap ${mib(rss.heap)}, ` : ''}parameter copies ${mib(rss.parameterCopies)}, optimizer state ${mib(rss.optimizer)}${
      plan.shards > 1 ? ` (1/${plan.shards}, sharded)` : ''
    }, process ${mib(rss.base)}; ${mib(rss.worstCase)} with every batch full)${
      rss.checkpointStaging > 0 ? `; rank 0 ${mib(rss.checkpointStaging)} MiB more for background checkpoints` : ''
    }`,
  ];
  for (const problem of plan.problems) lines.push(`cannot run: ${problem}`);
  return lines;
}
