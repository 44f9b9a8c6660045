import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectiveMismatchError, CollectiveTimeoutError, createZmqProcessGroup, type GroupEvent, type ProcessGroup } from '../dist/index.js';
import { freePorts } from './endpoints.js';

// Two ranks of the native ring in this process (their operations run on libuv's worker threads).
const open: ProcessGroup[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

async function pair(timeoutMs: number): Promise<{ groups: ProcessGroup[]; events: GroupEvent[] }> {
  const endpoints = (await freePorts(2)).map((p) => `tcp://127.0.0.1:${p}`);
  const events: GroupEvent[] = [];
  const groups = await Promise.all(
    [0, 1].map((rank) =>
      createZmqProcessGroup({ rank, worldSize: 2, endpoints, timeoutMs, transport: 'native', onEvent: (e) => rank === 0 && events.push(e) }),
    ),
  );
  open.push(...groups);
  return { groups, events };
}

describe('the native ring', () => {
  it('is what the group uses, listening on TCP and on a Unix socket (reachable() picks the socket on one host)', async () => {
    const { groups, events } = await pair(5000);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'transport',
        transport: 'native',
        scope: 'group',
        detail: expect.stringMatching(/tcp:\/\/127\.0\.0\.1:\d+ and ipc:\/\//),
      }),
    );
    const [a, b] = groups as [ProcessGroup, ProcessGroup];
    const [x, y] = await Promise.all([a.allReduce(Float32Array.of(1, 2, 3), 'sum'), b.allReduce(Float32Array.of(10, 20, 30), 'mean')]);
    expect([...x]).toEqual([11, 22, 33]);
    expect([...y]).toEqual([5.5, 11, 16.5]); // 'mean' divides this rank's copy only
  });

  it('gives its Unix-socket connections 4 MiB kernel buffers (libzmq sizes only TCP ones) and removes its socket file when it closes', async () => {
    const { groups, events } = await pair(5000);
    await Promise.all(groups.map((g) => g.allReduce(new Float32Array(1 << 16), 'sum')));
    const path = events.flatMap((e) => (e.type === 'transport' ? [/ipc:\/\/(\S+)/.exec(e.detail)?.[1]] : []))[0];
    expect(path).toBeDefined();
    // ss -x -m: "u_str ESTAB 0 0 LOCAL INODE PEER PEER_INODE users:(...) skmem:(r0,rb...,t0,tb...,...)"
    const sockets = execFileSync('ss', ['-x', '-m', '-p', '-H'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes(`pid=${process.pid},`))
      .map((l) => l.trim().split(/\s+/))
      .map((f) => ({ local: f[4], inode: f[5], peerInode: f[7], skmem: f.find((x) => x.startsWith('skmem:')) ?? '' }));
    const accepted = sockets.find((s) => s.local === path);
    const connected = sockets.find((s) => s.inode === accepted?.peerInode);
    const sysctl = (name: string) => Number(readFileSync(`/proc/sys/net/core/${name}`, 'utf8'));
    const [send, receive] = [2 * Math.min(4 << 20, sysctl('wmem_max')), 2 * Math.min(4 << 20, sysctl('rmem_max'))];
    for (const s of [accepted, connected]) expect(s?.skmem).toMatch(new RegExp(`rb${receive},t\\d+,tb${send},`));
    // libzmq 4.3 leaves an ipc:// listener's file behind when it closes: the ring removes its own
    expect(existsSync(path as string)).toBe(true);
    await Promise.all(open.splice(0).map((g) => g.close()));
    expect(existsSync(path as string)).toBe(false);
  });

  it('names the rank whose tensor length differs, on both ranks', async () => {
    const { groups } = await pair(5000);
    const [a, b] = groups as [ProcessGroup, ProcessGroup];
    const results = await Promise.allSettled([a.allReduce(new Float32Array(1000), 'sum'), b.allReduce(new Float32Array(999), 'sum')]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(CollectiveMismatchError);
    }
    // whichever rank detects it first tells the other (abort), so either rank's words may reach both
    for (const r of results) expect(String((r as PromiseRejectedResult).reason.message)).toMatch(/rank [01] passed (999|1000) elements, this rank (1000|999)/);
  });

  it('times out naming the rank that never entered the operation, and closes', async () => {
    const { groups } = await pair(600);
    const started = Date.now();
    const error = await (groups[0] as ProcessGroup).allReduce(new Float32Array(1 << 16), 'sum').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CollectiveTimeoutError);
    expect(error).toMatchObject({ waitingFor: [1] });
    expect(Date.now() - started).toBeLessThan(600 + 1500);
  });
});
