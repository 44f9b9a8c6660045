import { describe, expect, it } from 'vitest';
import type { ExperimentSpec } from '@orquesta/protocol';
import { formatMemoryPlan } from './format-memory-plan.js';
import { planMemory, WASM_HEAP_LIMIT_BYTES } from './memory-model.js';

const MIB = 2 ** 20;
// Peak RSS (MiB) of those runs.
const [RSS_BENCH, RSS_BASE, RSS_BIG] = [1680, 3716, 7000];

function spec(
  shape: { d: number; heads: number; ff: number; layers: number },
  tokens: number,
  extra: { shard?: boolean; backend?: string; kind?: string; background?: boolean } = {},
) {
  return {
    ...(extra.background === undefined ? {} : { checkpoint: { background: extra.background } }),
    task: 'translation',
    model: {
      d_model: shape.d,
      heads: shape.heads,
      d_ff: shape.ff,
      encoder_layers: shape.layers,
      decoder_layers: shape.layers,
      max_len: 256,
      positional: 'sinusoidal',
      tie_embeddings: true,
      norm: 'pre',
    },
    tokenizer: { kind: 'bpe', vocab_size: 8000, shared: true },
    data: { max_len: 32 },
    training: { max_tokens_per_batch: tokens, accumulate: 1 },
    optimizer: { kind: extra.kind ?? 'adam', shard: extra.shard ?? false },
    resources: { backend: extra.backend ?? 'wasm-native' },
  } as unknown as ExperimentSpec;
}

const benchShape = { d: 256, heads: 4, ff: 1024, layers: 3 };
const baseShape = { d: 512, heads: 8, ff: 2048, layers: 6 };
const bigShape = { d: 1024, heads: 16, ff: 4096, layers: 6 };

describe('memory plan', () => {
  // Full batches of 32 + 32-token pairs: `orquesta bench model --model M --batch B --length 32 --json` (docs/results.md).
  for (const [name, shape, tokens, heapMiB, rssMiB] of [
    ['bench', benchShape, 2048, 1453, RSS_BENCH],
    ['base', baseShape, 1024, 2768, RSS_BASE],
    ['big', bigShape, 512, 3873, RSS_BIG],
  ] as const) {
    it(`predicts the peak wasm heap and RSS of ${name} with every batch full (${tokens} tokens) within 10 %`, () => {
      const plan = planMemory(spec(shape, tokens), 1);
      expect(plan.heap.worstCase / MIB / heapMiB).toBeGreaterThan(0.9);
      expect(plan.heap.worstCase / MIB / heapMiB).toBeLessThan(1.1);
      expect(plan.rss.worstCase / MIB / rssMiB).toBeGreaterThan(0.9);
      expect(plan.rss.worstCase / MIB / rssMiB).toBeLessThan(1.1);
      expect(plan.heap.total).toBeLessThan(plan.heap.worstCase); // real batches are not all full
      expect(plan.problems).toEqual([]);
    });
  }

  it('refuses a micro-batch that overflows the 4 GiB wasm heap, naming the largest that fits', () => {
    const plan = planMemory(spec(baseShape, 2048), 2);
    expect(plan.heap.worstCase).toBeGreaterThan(WASM_HEAP_LIMIT_BYTES);
    expect(plan.problems).toHaveLength(1);
    const fitting = Number(/max_tokens_per_batch to at most (\d+)/.exec(plan.problems[0]!)?.[1]);
    expect(planMemory(spec(baseShape, fitting), 2).problems).toEqual([]);
    expect(planMemory(spec(baseShape, fitting + 1), 2).problems).toHaveLength(1);
    expect(formatMemoryPlan(plan).at(-1)).toMatch(/^cannot run: wasm heap: \d+ MiB per worker with full batches, over the 4096 MiB/);
  });

  it('refuses a model whose parameters alone overflow the heap, naming the model fields', () => {
    const plan = planMemory(spec({ d: 2048, heads: 16, ff: 8192, layers: 6 }, 64), 1);
    expect(plan.problems[0]).toMatch(/shrink the model \(model\.d_model/);
  });

  it('sharding divides the optimizer state by the workers; host memory problems suggest it', () => {
    const plain = planMemory(spec(bigShape, 256), 2, { hostBytes: 10_000 * MIB, perHost: 2 });
    const sharded = planMemory(spec(bigShape, 256, { shard: true }), 2, { hostBytes: 10_000 * MIB, perHost: 2 });
    expect(sharded.rss.optimizer).toBe(plain.rss.optimizer / 2);
    expect(plain.rss.total - sharded.rss.total).toBe(plain.rss.optimizer / 2);
    expect(plain.rss.worstCase - sharded.rss.worstCase).toBe(plain.rss.optimizer / 2);
    expect(plain.problems[0]).toMatch(
      /^host memory: 2 worker\(s\) x \d+ MiB with full batches \+ \d+ MiB of rank 0's checkpoint staging = \d+ MiB, over the 10000 MiB available on this host: set optimizer.shard: true/,
    );
    expect(sharded.problems[0]).not.toMatch(/optimizer.shard/);
    expect(sharded.problems[0]).toMatch(/\+ \d+ MiB of rank 0's checkpoint staging = .*set checkpoint.background: false/);
    expect(planMemory(spec(bigShape, 256), 2, { hostBytes: 64_000 * MIB, perHost: 2 }).problems).toEqual([]);
  });

  it("counts rank 0's background checkpoint staging: parameters and the whole optimizer state, sharded or not; none without background writes", () => {
    const adam = planMemory(spec(bigShape, 256, { shard: true }), 2);
    expect(adam.rss.checkpointStaging).toBe(12 * adam.parameters);
    expect(planMemory(spec(bigShape, 256, { kind: 'sgd' }), 1).rss.checkpointStaging).toBe(4 * adam.parameters);
    expect(planMemory(spec(bigShape, 256, { background: false }), 1).rss.checkpointStaging).toBe(0);
    expect(formatMemoryPlan(adam)[1]).toMatch(/; rank 0 \d+ MiB more for background checkpoints$/);
  });

  it('plans no wasm heap limit for the tensorflow backends, and no moments for sgd', () => {
    expect(planMemory(spec(bigShape, 8192, { backend: 'tensorflow' }), 1).problems).toEqual([]);
    expect(planMemory(spec(bigShape, 256, { kind: 'sgd' }), 1).rss.optimizer).toBe(0);
  });
});
