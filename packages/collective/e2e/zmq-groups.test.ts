import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { curveKeyPair, Push } from 'zeromq';
import { createCurveKeys, curveOptionsFor } from '@orquesta/curve';
import { CollectiveTimeoutError, createZmqProcessGroup, type GroupEvent, type ProcessGroup } from '../src/index.js';
import { DTYPE, encodeData, HEADER_BYTES } from '../src/wire.js';
import { endpointsFor, PROTOCOLS } from './endpoints.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** Records events and lets a test wait for one, instead of sleeping. */
class EventLog {
  readonly events: GroupEvent[] = [];
  private waiters: { match: (e: GroupEvent) => boolean; resolve: () => void }[] = [];
  readonly listener = (event: GroupEvent): void => {
    this.events.push(event);
    for (const w of this.waiters.filter((x) => x.match(event))) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  /** Resolves once `count` events matching `match` have been seen. */
  until(match: (e: GroupEvent) => boolean, count = 1): Promise<void> {
    const seen = (): number => this.events.filter(match).length;
    return new Promise((resolve) => {
      const check = (): void => {
        if (seen() >= count) resolve();
        else this.waiters.push({ match, resolve: check });
      };
      check();
    });
  }
}

/** `n` groups in this process (each with its own ZeroMQ context), as separate ranks would be. */
async function groupsOver(
  protocol: 'tcp' | 'ipc',
  n: number,
  options: { curve?: boolean; timeoutMs?: number } = {},
): Promise<{ groups: ProcessGroup[]; logs: EventLog[]; endpoints: string[]; keys: ReturnType<typeof createCurveKeys> }> {
  const { endpoints, cleanup } = await endpointsFor(protocol, n);
  const keys = createCurveKeys(n);
  const logs = Array.from({ length: n }, () => new EventLog());
  const groups = await Promise.all(
    Array.from({ length: n }, (_, rank) =>
      createZmqProcessGroup({
        rank,
        worldSize: n,
        endpoints,
        timeoutMs: options.timeoutMs ?? 5000,
        curve: options.curve ? curveOptionsFor(keys, rank) : undefined,
        onEvent: (logs[rank] as EventLog).listener,
      }),
    ),
  );
  cleanups.push(async () => {
    await Promise.all(groups.map((g) => g.close()));
    await cleanup();
  });
  return { groups, logs, endpoints, keys };
}

async function sumOfRanks(groups: ProcessGroup[]): Promise<number[][]> {
  const out = await Promise.all(groups.map((g) => g.allReduce(Float32Array.of(g.rank, 1, 2), 'sum')));
  return out.map((o) => [...o]);
}

/** A socket that is not part of the group, sending to `endpoint`. */
function intruder(endpoint: string, options: ConstructorParameters<typeof Push>[0] = {}): Push {
  const push = new Push({ linger: 0, ...options });
  push.connect(endpoint);
  cleanups.push(async () => push.close());
  return push;
}

const forged = encodeData(
  { sender: 2, seq: 1, op: 'allReduce', dtype: DTYPE.f32, step: 0, offset: 0, count: 1, total: 3, aux: 0 },
  Buffer.from(Float32Array.of(1e9).buffer),
);
const dropped = (e: GroupEvent): boolean => e.type === 'frame-dropped';

describe('ZeroMQ groups over ipc', () => {
  it("leave no Unix socket file behind when they close (libzmq 4.3 does; theirs and their native rings' are removed)", async () => {
    const { groups, endpoints } = await groupsOver('ipc', 2);
    const dir = dirname((endpoints[0] as string).slice('ipc://'.length));
    await sumOfRanks(groups);
    expect(readdirSync(dir).length).toBeGreaterThanOrEqual(2);
    await Promise.all(groups.map((g) => g.close()));
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe.each(PROTOCOLS)('ZeroMQ groups in one process over %s', (protocol) => {
  it('drops garbage frames from a stranger without crashing, and still reduces correctly (CURVE off)', async () => {
    const { groups, logs, endpoints } = await groupsOver(protocol, 3);
    const push = intruder(endpoints[0] as string);
    await push.send('garbage');
    await push.send([Buffer.alloc(HEADER_BYTES, 7), Buffer.alloc(3)]);
    await push.send([Buffer.alloc(1 << 16, 1), Buffer.alloc(0), Buffer.alloc(9)]);
    await (logs[0] as EventLog).until(dropped, 3);
    expect((logs[0] as EventLog).events.filter(dropped)).toEqual([
      { type: 'frame-dropped', reason: 'expected 2 frames, got 1' },
      { type: 'frame-dropped', reason: 'bad magic' },
      { type: 'frame-dropped', reason: 'expected 2 frames, got 3' },
    ]);
    expect(await sumOfRanks(groups)).toEqual([
      [3, 3, 6],
      [3, 3, 6],
      [3, 3, 6],
    ]);
  });

  it('with CURVE, a stranger is refused before any frame reaches the group', async () => {
    const { groups, logs, endpoints, keys } = await groupsOver(protocol, 3, { curve: true });
    // knows rank 0's public key, but its own key is not one of the group's
    const stranger = curveKeyPair();
    const curved = intruder(endpoints[0] as string, {
      curveServerKey: keys.publicKeys[0] as string,
      curvePublicKey: stranger.publicKey,
      curveSecretKey: stranger.secretKey,
    });
    void curved.send(forged);
    // no CURVE at all
    const plain = intruder(endpoints[0] as string);
    void plain.send(forged);
    const log = logs[0] as EventLog;
    await log.until((e) => e.type === 'auth-denied');
    await log.until((e) => e.type === 'handshake-failed');
    expect(await sumOfRanks(groups)).toEqual([
      [3, 3, 6],
      [3, 3, 6],
      [3, 3, 6],
    ]);
    expect(log.events.filter(dropped)).toEqual([]);
  });

  it('with CURVE, a rank holding the wrong secret key cannot join: the others name it', async () => {
    const n = 3;
    const { endpoints, cleanup } = await endpointsFor(protocol, n);
    cleanups.push(cleanup);
    const keys = createCurveKeys(n);
    const impostor = curveKeyPair().secretKey;
    const attempts = await Promise.allSettled(
      Array.from({ length: n }, (_, rank) =>
        createZmqProcessGroup({
          rank,
          worldSize: n,
          endpoints,
          timeoutMs: 1500,
          curve: { publicKeys: keys.publicKeys, secretKey: rank === 2 ? impostor : (keys.secretKeys[rank] as string) },
        }),
      ),
    );
    for (const rank of [0, 1]) {
      const a = attempts[rank] as PromiseRejectedResult;
      expect(a.status).toBe('rejected');
      expect(a.reason).toBeInstanceOf(CollectiveTimeoutError);
      expect(a.reason).toMatchObject({ op: 'connect', seq: 0, waitingFor: [2] });
    }
    expect(attempts[2]?.status).toBe('rejected');
  });

  it('a closed group releases its endpoints at once: 20 groups formed one after another on the same endpoints bind within 0.3 s', async () => {
    const { endpoints, cleanup } = await endpointsFor(protocol, 2);
    cleanups.push(cleanup);
    for (let generation = 0; generation < 20; generation++) {
      // bindRetryMs 300: a port still held by the previous group fails the bind within 0.3 s, while a
      // random port that another test process probes for an instant (its own free-port check) does not.
      const groups = await Promise.all(
        [0, 1].map((rank) => createZmqProcessGroup({ rank, worldSize: 2, endpoints, timeoutMs: 3000, connectTimeoutMs: 5000, bindRetryMs: 300 })),
      );
      const sums = await Promise.all(groups.map((g, r) => g.allReduce(new Float32Array(1 << 12).fill(generation + r), 'sum')));
      for (const sum of sums) expect(sum[0]).toBe(2 * generation + 1);
      await Promise.all(groups.map((g) => (generation % 2 === 0 ? g.abandon() : g.close())));
    }
  }, 60_000);

  it('forms again on the same endpoints after a rank left mid-operation and the others abandoned their group: nothing stale arrives', async () => {
    const { groups, endpoints } = await groupsOver(protocol, 3, { timeoutMs: 3000 });
    // Ranks 0 and 1 enter an all-reduce with frames in flight; rank 2 leaves instead (a dead worker).
    const stuck = [0, 1].map((r) => groups[r]!.allReduce(new Float32Array(1 << 16).fill(r + 1), 'sum'));
    await groups[2]!.abandon();
    for (const result of await Promise.allSettled(stuck)) expect(result.status).toBe('rejected');
    await Promise.all(groups.map((g) => g.abandon()));
    const again = await Promise.all(
      [0, 1, 2].map((rank) => createZmqProcessGroup({ rank, worldSize: 3, endpoints, timeoutMs: 5000, connectTimeoutMs: 10_000, bindRetryMs: 5000 })),
    );
    cleanups.push(async () => void (await Promise.all(again.map((g) => g.close()))));
    const sums = await Promise.all(again.map((g, r) => g.allReduce(new Float32Array(1 << 16).fill(10 * (r + 1)), 'sum')));
    for (const sum of sums) expect(sum.every((x) => x === 60)).toBe(true);
  });
});
