/**
 * Multi-host: the coordinator runs in one network namespace ("host") and an agent in each of two
 * others (infra/netns/hosts-up.sh); a 2-worker job is placed across both hosts and trains to
 * completion over the emulated network. The API is HTTPS (the coordinator's self-signed certificate,
 * pinned by the agents and the CLI on first contact) and the CLI runs as a user with a named token.
 * Needs root and iproute2 (CI has both).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testToken, tinySpec } from './cluster-fixtures.js';
import { ROOT } from './run-cli.js';

// The emulated hosts are network namespaces of one machine: they share /dev/shm, which separate hosts
// do not, so gradients are kept on the network here.
const SEPARATE_HOSTS = 'collective: { timeout_s: 10, shared_memory: off }';

const BIN = fileURLToPath(new URL('../../cli/bin/orquesta.js', import.meta.url));
const HOSTS_UP = join(ROOT, 'infra/netns/hosts-up.sh');
const HOSTS_DOWN = join(ROOT, 'infra/netns/hosts-down.sh');
const canRun = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
const prefix = `oe${process.pid % 100000}`;
const subnet = `10.${80 + (process.pid % 40)}.${process.pid % 250}`;
const dir = mkdtempSync(join(tmpdir(), 'orquesta-netns-'));
const coordinator = `https://${subnet}.1:7070`;
const children: ChildProcess[] = [];
// The CLI pins the coordinator's certificate in this test's own config directory; node -e probes trust it as a CA.
process.env['ORQUESTA_CONFIG_DIR'] = join(dir, 'cli-config');
const probeEnv = { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'tls.crt') };

/** `orquesta ARGS` in the background on host N (the coordinator, agents: they present the token file's token). */
function onHost(host: number, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', `${prefix}h${host}`, process.execPath, BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  return child;
}

function cliOnHost(host: number, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', `${prefix}h${host}`, process.execPath, BIN, ...args, '--coordinator', coordinator], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Status {
  state: string;
  trials: { step: number; restarts: number; lastCheckpoint: string | null }[];
}

function statusOf(id: number): Status | undefined {
  const r = cliOnHost(1, ['status', String(id), '--json']);
  return r.status === 0 ? (JSON.parse(r.stdout) as Status) : undefined;
}

/** GET on the coordinator's API from its own host. */
function api<T>(path: string): T {
  const script = `fetch('${coordinator}${path}').then((r) => r.json()).then((e) => console.log(JSON.stringify(e)))`;
  return JSON.parse(spawnSync('ip', ['netns', 'exec', `${prefix}h1`, process.execPath, '-e', script], { encoding: 'utf8', env: probeEnv }).stdout) as T;
}

type Event = { ts: number; kind: string; message: string };

/** Submits a spec from the coordinator's host and waits for its first checkpoint. */
async function submitAndCheckpoint(spec: string): Promise<number> {
  const submitted = cliOnHost(1, ['submit', spec]);
  expect(submitted.status, submitted.stderr).toBe(0);
  const id = Number(submitted.stdout.trim());
  for (let i = 0; i < 120 && !statusOf(id)?.trials[0]?.lastCheckpoint; i++) await new Promise((r) => setTimeout(r, 500));
  return id;
}

/** Polls until the experiment succeeds or fails (4 minutes at most). */
async function finished(id: number): Promise<Status | undefined> {
  let final: Status | undefined;
  for (let i = 0; i < 240; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    final = statusOf(id);
    if (final && ['succeeded', 'failed'].includes(final.state)) break;
  }
  return final;
}

beforeAll(async () => {
  if (!canRun) return;
  execFileSync('bash', [HOSTS_UP, '--prefix', prefix, '--hosts', '3', '--subnet', subnet]);
  onHost(1, ['serve', '--host', `${subnet}.1`, '--port', '7070', '--db', join(dir, 'coordinator.db'), '--token-file', testToken(dir), '--allow-path', dir]);
  // Agents would wait for the coordinator (--connect-timeout); start them once its API answers all the same.
  const probe = `fetch('${coordinator}/api/cluster').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
  const reachable = () => spawnSync('ip', ['netns', 'exec', `${prefix}h2`, process.execPath, '-e', probe], { env: probeEnv }).status === 0;
  for (let i = 0; i < 100 && !reachable(); i++) await new Promise((r) => setTimeout(r, 200));
  const user = cliOnHost(1, ['token', 'create', 'netns-user', '--role', 'submitter']);
  expect(user.status, user.stderr).toBe(0);
  expect(user.stderr).toMatch(/trusting the coordinator's certificate at https:.* on first use/);
  const agentToken = process.env['ORQUESTA_TOKEN'];
  process.env['ORQUESTA_TOKEN'] = user.stdout.trim();
  for (const h of [2, 3]) {
    onHost(
      h,
      [
        'agent',
        '--coordinator',
        coordinator,
        '--id',
        `host${h}`,
        '--slots',
        '1',
        '--advertise-host',
        `${subnet}.${h}`,
        '--ports',
        '29500-29509',
        '--workdir',
        ROOT,
        '--state-dir',
        join(dir, `host${h}`),
      ],
      { ...process.env, ORQUESTA_TOKEN: agentToken },
    );
  }
}, 30_000);

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  if (canRun) execFileSync('bash', [HOSTS_DOWN, '--prefix', prefix]);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!canRun)('coordinator and agents on separate hosts', () => {
  it('places a 2-worker job across two hosts and trains it to completion', async () => {
    const file = tinySpec(dir, 'two-hosts', 30, undefined, SEPARATE_HOSTS);
    let agents: string[] = [];
    for (let i = 0; i < 40 && agents.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 500));
      agents = api<{ id: string }[]>('/api/agents').map((a) => a.id);
    }
    expect(agents.sort()).toEqual(['host2', 'host3']);
    const submitted = cliOnHost(1, ['submit', file]);
    expect(submitted.status).toBe(0);
    const id = Number(submitted.stdout.trim());
    let status: { state: string; trials: { step: number; workers: { host: string; agent: string }[] }[] } | undefined;
    for (let i = 0; i < 120; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const r = cliOnHost(1, ['status', String(id), '--json']);
      if (r.status !== 0) continue;
      status = JSON.parse(r.stdout);
      if (status && ['succeeded', 'failed'].includes(status.state)) break;
    }
    expect(status?.state).toBe('succeeded');
    expect(status?.trials[0]?.step).toBe(30);
    expect(status?.trials[0]?.workers.map((w) => `${w.agent}@${w.host}`).sort()).toEqual([`host2@${subnet}.2`, `host3@${subnet}.3`]);
    // The gradients cross hosts, so the data plane ran CURVE-encrypted.
    const logs = spawnSync(
      'ip',
      ['netns', 'exec', `${prefix}h1`, process.execPath, '-e', `fetch('${coordinator}/api/experiments/${id}/logs').then((r) => r.text()).then(console.log)`],
      { encoding: 'utf8', env: probeEnv },
    ).stdout;
    expect(logs).toContain('data plane: CURVE-encrypted');
  }, 180_000);

  it('detects a partitioned host within 10 s, waits for capacity, and finishes when the link is back', async () => {
    const id = await submitAndCheckpoint(tinySpec(dir, 'partitioned', 400, undefined, SEPARATE_HOSTS));
    const chaos = cliOnHost(1, ['chaos', 'partition', String(id), '--node', 'host3', '--seconds', '15']);
    expect(chaos.status, chaos.stderr).toBe(0);
    const final = await finished(id);
    expect(final?.state).toBe('succeeded');
    expect(final?.trials[0]?.restarts).toBeGreaterThanOrEqual(1);
    const events = api<Event[]>(`/api/experiments/${id}/events`);
    const cluster = api<{ id: string; state: string }[]>('/api/agents');
    expect(cluster.map((a) => `${a.id}:${a.state}`)).toEqual(['host2:alive', 'host3:alive']);
    const chaosAt = events.find((e) => e.kind === 'chaos')!.ts;
    const restartAt = events.find((e) => e.ts > chaosAt && e.message.includes('-> restarting'))!.ts;
    expect(restartAt - chaosAt).toBeLessThan(10_000);
  }, 300_000);

  it('recovers on the remaining capacity when the spec allows it (min_workers: 1), resuming the 2-worker checkpoint with 1', async () => {
    const id = await submitAndCheckpoint(tinySpec(dir, 'elastic', 600, 'resources: { workers: 2, min_workers: 1 }', SEPARATE_HOSTS));
    const chaos = cliOnHost(1, ['chaos', 'partition', String(id), '--node', 'host3', '--seconds', '45']);
    expect(chaos.status, chaos.stderr).toBe(0);
    // While host3 is still cut off, the trial runs on host2 alone and makes progress.
    let shrunkAt: number | undefined;
    let stepWhenShrunk = 0;
    for (let i = 0; i < 40 && shrunkAt === undefined; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      shrunkAt = api<Event[]>(`/api/experiments/${id}/events`).find((e) => e.kind === 'resize')?.ts;
      stepWhenShrunk = statusOf(id)?.trials[0]?.step ?? 0;
    }
    const events = api<Event[]>(`/api/experiments/${id}/events`);
    const chaosAt = events.find((e) => e.kind === 'chaos')!.ts;
    expect(shrunkAt, events.map((e) => e.message).join(' | ')).toBeDefined();
    expect(shrunkAt! - chaosAt).toBeLessThan(30_000);
    expect(events.find((e) => e.kind === 'resize')!.message).toMatch(/free slots hold 1 of its 2 workers; running elastic at that size/);
    let progressed = false;
    for (let i = 0; i < 30 && !progressed; i++) {
      await new Promise((r) => setTimeout(r, 500));
      progressed = (statusOf(id)?.trials[0]?.step ?? 0) > stepWhenShrunk;
    }
    expect(progressed).toBe(true);
    expect(Date.now() - chaosAt).toBeLessThan(45_000); // progress came while the host was still partitioned
    expect((await finished(id))?.state).toBe('succeeded');
    const logs = cliOnHost(1, ['logs', String(id)]);
    expect(logs.stdout).toMatch(/resuming a 2-worker checkpoint with 1 worker\(s\)/);
  }, 300_000);
});
