import { afterEach, describe, expect, it } from 'vitest';
import { endpointsFor, VARIANTS, type Variant } from './endpoints.js';
import { spawnRanks, type RankLine, type RankProcess } from './spawn-ranks.js';

interface ReportedError {
  name: string;
  message: string;
  op: string;
  seq: number;
  waitingFor: number[];
}

const running: RankProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) r.child.kill('SIGKILL');
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** Starts `n` ranks that all-reduce in a loop and resolves once every one completed a few operations. */
async function startLoop({ protocol, sharedMemory, ring }: Variant, n: number, timeoutMs: number): Promise<RankProcess[]> {
  const { endpoints, cleanup } = await endpointsFor(protocol, n);
  cleanups.push(cleanup);
  const ranks = spawnRanks(
    Array.from({ length: n }, (_, rank) => ({ rank, worldSize: n, endpoints, timeoutMs, scenario: 'loop' as const, elements: 262_144, sharedMemory, ring })),
  );
  running.push(...ranks);
  await Promise.all(ranks.map((r) => r.next('progress')));
  return ranks;
}

describe.each(VARIANTS)('a failing rank process over $name', (variant) => {
  it('kill -9 in the middle of all-reduces: every other rank fails within 3 s, naming it', async () => {
    const ranks = await startLoop(variant, 4, 2000);
    const victim = ranks[2] as RankProcess;
    victim.child.kill('SIGKILL');
    const died = await victim.exited;
    expect(died.signal).toBe('SIGKILL');
    const survivors = ranks.filter((r) => r !== victim);
    const errors = await Promise.all(survivors.map((r) => r.next('error')));
    for (const line of errors) {
      const error = line.error as ReportedError;
      expect(error.name).toMatch(/^(PeerLostError|CollectiveTimeoutError)$/);
      expect(error).toMatchObject({ op: 'allReduce', waitingFor: [2] });
      expect(error.seq).toBeGreaterThanOrEqual(5);
      expect(line.receivedAt - died.at).toBeLessThan(3000);
    }
    for (const r of survivors) expect((await r.exited).code).toBe(3);
  });

  it('a frozen rank (SIGSTOP) is named by every other rank within the timeout', async () => {
    const timeoutMs = 1500;
    const ranks = await startLoop(variant, 3, timeoutMs);
    const victim = ranks[0] as RankProcess;
    const stoppedAt = Date.now();
    victim.child.kill('SIGSTOP');
    const survivors = ranks.filter((r) => r !== victim);
    const errors: RankLine[] = await Promise.all(survivors.map((r) => r.next('error')));
    for (const line of errors) {
      expect(line.error).toMatchObject({ op: 'allReduce', waitingFor: [0] });
      expect(line.receivedAt - stoppedAt).toBeLessThan(timeoutMs + 1500);
    }
    victim.child.kill('SIGKILL');
  });
});
