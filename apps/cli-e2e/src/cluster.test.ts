/**
 * The coordinator as users run it: `orquesta serve` (HTTPS with its self-signed certificate, pinned by
 * the CLI on first use), two `orquesta agent` processes (one slot each, so every job spans both), jobs
 * submitted with `orquesta submit` by a user with a named submitter token and trained by real workers
 * over TCP. A worker killed with -9 and a coordinator killed with -9 both end with the experiment done.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentArgs, apiFetch, freePort, testToken, tinySpec } from './cluster-fixtures.js';
import { orquesta, ROOT } from './run-cli.js';

const BIN = fileURLToPath(new URL('../../cli/bin/orquesta.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'orquesta-cluster-'));
const spec = (name: string, steps: number) => tinySpec(dir, name, steps);
const db = join(dir, 'coordinator.db');
const tokenFile = testToken(dir);
/** The token file's token: the admin's, and the one agents register with. The CLI runs as alice (beforeAll). */
const adminToken = process.env['ORQUESTA_TOKEN'] as string;
// The CLI pins the coordinator's certificate in this test's own config directory.
process.env['ORQUESTA_CONFIG_DIR'] = join(dir, 'cli-config');
const api = apiFetch(dir);
const children: ChildProcess[] = [];
let url = '';

function start(args: string[]): { child: ChildProcess; output: () => string } {
  const env = { ...process.env, ORQUESTA_TOKEN: adminToken };
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let text = '';
  child.stdout?.on('data', (d) => (text += d));
  child.stderr?.on('data', (d) => (text += d));
  return { child, output: () => text };
}

let ports: [number, number];
const agents = new Map<string, ChildProcess>();
/** The control socket admits only the agents listed here (node-a and node-b). */
const agentKeys = join(dir, 'agents.keys');
let serveOutput = () => '';

async function startServe(): Promise<ChildProcess> {
  const serve = start([
    'serve',
    '--port',
    String(ports[0]),
    '--control-port',
    String(ports[1]),
    '--db',
    db,
    '--token-file',
    tokenFile,
    '--allow-path',
    dir,
    '--agent-keys',
    agentKeys,
  ]);
  serveOutput = serve.output;
  const match = await waitFor(
    () => /API (https:\/\/[\d.]+:\d+)/.exec(serve.output()),
    20_000,
    () => serve.output(),
  );
  url = match[1] as string;
  return serve.child;
}

async function waitFor<T>(probe: () => T | null | undefined | false, timeoutMs: number, describeState: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describeState()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Status {
  state: string;
  trials: {
    state: string;
    step: number;
    restarts: number;
    attempt: number;
    lastCheckpoint: string | null;
    workers: { rank: number; pid: number | null; state: string; agent: string }[];
  }[];
}

async function status(id: number): Promise<Status> {
  const response = await api(`${url}/api/experiments/${id}`);
  return (await response.json()) as Status;
}

async function events(id: number): Promise<string[]> {
  return ((await (await api(`${url}/api/experiments/${id}/events`)).json()) as { message: string }[]).map((e) => e.message);
}

async function until(id: number, pred: (s: Status) => boolean, timeoutMs = 90_000): Promise<Status> {
  let last: Status | undefined;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      last = await status(id);
      if (pred(last)) return last;
    } catch {
      // coordinator restarting
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `experiment ${id} never reached the expected state; last: ${JSON.stringify(last)}; events: ${(await events(id).catch(() => [])).join(' | ')}`,
  );
}

function submit(file: string): number {
  const run = orquesta(['submit', file, '--coordinator', url]);
  expect(run.stderr).toMatch(/queued with 1 trial/);
  expect(run.status).toBe(0);
  return Number(run.stdout.trim());
}

beforeAll(async () => {
  ports = [await freePort(), await freePort()];
  // node-c is a spare that the peer-recovery test starts.
  const listed = ['node-a', 'node-b', 'node-c'].map((id) => orquesta(['agent', '--print-key', '--id', id, '--state-dir', join(dir, id)]));
  expect(listed.map((r) => r.status)).toEqual([0, 0, 0]);
  writeFileSync(agentKeys, `# agents of this test\n${listed.map((r) => r.stdout).join('')}`);
  await startServe();
  const alice = orquesta(['token', 'create', 'alice', '--role', 'submitter', '--coordinator', url]);
  expect(alice.status, alice.stderr).toBe(0);
  expect(alice.stderr).toMatch(/trusting the coordinator's certificate at https:\/\/127\.0\.0\.1:\d+ on first use: SHA-256 [\dA-F:]{95}/);
  process.env['ORQUESTA_TOKEN'] = alice.stdout.trim();
  for (const id of ['node-a', 'node-b']) agents.set(id, start(agentArgs(url, id, await freePort(), ROOT, join(dir, id))).child);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const agents = (await (await api(`${url}/api/agents`)).json()) as { state: string }[];
    if (agents.filter((a) => a.state === 'alive').length === 2) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('agents did not register');
}, 60_000);

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('orquesta serve + agents', () => {
  it('trains a submitted two-worker job across both agents to completion', async () => {
    const id = submit(spec('first', 20));
    const done = await until(id, (s) => ['succeeded', 'failed'].includes(s.state));
    expect(done.state).toBe('succeeded');
    expect(done.trials[0]).toMatchObject({ state: 'succeeded', step: 20, restarts: 0 });
    const list = orquesta(['list', '--coordinator', url]);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+first\\s+succeeded.*alice$`, 'm'));
    const cluster = (await (await api(`${url}/api/cluster`)).json()) as { controlPublicKey?: string };
    expect(cluster.controlPublicKey).toHaveLength(40); // the agents' control connections are CURVE-encrypted
    const logs = orquesta(['logs', String(id), '--coordinator', url]);
    expect(logs.stdout).toMatch(/\[trial 0 rank 1\] pid \d+/);
    // Goodput: productive step seconds over the wall time since placement; the rest by use, summing to it.
    const shown = orquesta(['status', String(id), '--coordinator', url]);
    expect(shown.stdout).toMatch(/^trial 0 goodput \d+\.\d%: productive \d+\.\d s of \d+\.\d s; .*startup \d+\.\d s/m);
    const { goodput } = done.trials[0] as unknown as { goodput: { goodput: number; wallSeconds: number; seconds: Record<string, number> } };
    expect(goodput.goodput).toBeGreaterThan(0);
    expect(goodput.seconds['replayed']).toBe(0);
    expect(Object.values(goodput.seconds).reduce((a, b) => a + b, 0)).toBeCloseTo(goodput.wallSeconds, 1);
  }, 120_000);

  it('ends with the same model.safetensors as `orquesta train` on the same spec, byte for byte', async () => {
    const file = spec('same', 20);
    const id = submit(file);
    const done = await until(id, (s) => ['succeeded', 'failed'].includes(s.state));
    expect(done.state).toBe('succeeded');
    expect(done.trials[0]!.lastCheckpoint).toMatch(/step-0+20$/);
    // The gang above spans both agents (TCP ring); train runs both ranks on this host (shared memory).
    // OpenBLAS's thread count changes how matmuls round, so train gets the agents' threads per worker
    // (each agent runs one worker: all the machine's cores).
    const local = join(dir, 'runs', 'same-local');
    const train = spawnSync(process.execPath, [BIN, 'train', file, '--quiet', '--set', `checkpoint.dir=${local}`], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, ORQUESTA_BLAS_THREADS: String(availableParallelism()) },
    });
    expect(train.status, train.stderr).toBe(0);
    const served = readFileSync(join(done.trials[0]!.lastCheckpoint!, 'model.safetensors'));
    const trained = readFileSync(join(local, 'step-00000020', 'model.safetensors'));
    expect(served.equals(trained)).toBe(true);
  }, 180_000);

  it('refuses calls without the token (401), with a wrong one (403), and specs whose paths leave the allowed roots, changing nothing', async () => {
    const before = await (await api(`${url}/api/experiments`)).json();
    const body = JSON.stringify({ spec: 'name: x' });
    const none = await api(`${url}/api/experiments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const wrong = await api(`${url}/api/experiments/1/cancel`, { method: 'POST', headers: { authorization: `Bearer ${'0'.repeat(64)}` } });
    expect(wrong.status).toBe(403);
    const escaping = tinySpec(dir, 'escape', 10).replace(/\.yaml$/, '-escape.yaml');
    writeFileSync(escaping, readFileSync(tinySpec(dir, 'escape', 10), 'utf8').replace(/dir: [^ }]+/, 'dir: /root/.ssh'));
    const refused = orquesta(['submit', escaping, '--coordinator', url]);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toMatch(/checkpoint\.dir\s+"\/root\/\.ssh" is outside the directories this coordinator allows/);
    const cli = spawnSync(process.execPath, [BIN, 'cancel', '1', '--coordinator', url], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ORQUESTA_TOKEN: 'f'.repeat(64) },
    });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/token does not match/);
    // Another submitter may not cancel alice's experiment; the admin creates bob.
    const as = (token: string, args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args, '--coordinator', url], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ORQUESTA_TOKEN: token } });
    const bob = as(adminToken, ['token', 'create', 'bob', '--role', 'submitter']);
    expect(bob.status, bob.stderr).toBe(0);
    const bobCancels = as(bob.stdout.trim(), ['cancel', '1']);
    expect([bobCancels.status, bobCancels.stderr.trim()]).toEqual([
      1,
      'orquesta cancel: bob did not submit this experiment (alice did); only its submitter or an admin may change it',
    ]);
    expect(await (await api(`${url}/api/experiments`)).json()).toEqual(before);
  });

  it('refuses an agent whose CURVE key is not in the --agent-keys file', async () => {
    const before = serveOutput().split('refused a control connection').length;
    const port = await freePort();
    const intruder = start(agentArgs(url, 'node-x', port, ROOT, join(dir, 'node-x')));
    await waitFor(() => serveOutput().split('refused a control connection').length > before, 20_000, serveOutput);
    expect(serveOutput()).toMatch(/refused a control connection from 127\.0\.0\.1.*not in the agent key list/);
    const agents = (await (await api(`${url}/api/agents`)).json()) as { id: string }[];
    expect(agents.map((a) => a.id).sort()).toEqual(['node-a', 'node-b']);
    intruder.child.kill('SIGKILL');
  });

  it('plans placement and step time without launching', async () => {
    const experiments = async () => ((await (await api(`${url}/api/experiments`)).json()) as unknown[]).length;
    const before = await experiments();
    const file = spec('planned', 20);
    const profile = join(dir, 'profile.jsonl');
    writeFileSync(
      profile,
      [
        '{"benchmark":"model","backend":"wasm-native","parameters":7578624,"target_tokens_per_s":3000,"optimizer_s_median":0.02}',
        '{"impl":"orquesta-zmq","transport":"tcp","ranks":2,"bytes":4194304,"busbw_gbps":1.5}',
      ].join('\n'),
    );
    const run = orquesta(['plan', file, '--coordinator', url, '--profile', profile]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/placement: fits on free slots now \(cluster: 2 agent\(s\), 2 of 2 slots free\)/);
    expect(run.stdout).toMatch(/rank 0  node-a \(127\.0\.0\.1\)  slot 0  CPU/);
    expect(run.stdout).toMatch(/rank 1  node-b \(127\.0\.0\.1\)  slot 0  CPU/);
    expect(run.stdout).toMatch(/predicted step: [\d.]+ s = compute [\d.]+ \+ all-reduce [\d.]+ \+ optimizer [\d.]+; \d+ tokens\/s over 2 worker\(s\)/);
    // Both agents run on 127.0.0.1, so the workers would all-reduce through shared memory; the profile has only a tcp row.
    expect(run.stdout).toContain("all-reduce: no measurement through shared memory in the profile; using another data plane's");
    expect(run.stdout).toContain('compute: contention of 2 workers on one host not measured (bench scaling --workers 1,2 --independent)');
    const crowded = orquesta(['plan', file, '--coordinator', 'http://127.0.0.1:9', '--per-host', '3']);
    expect(crowded.status).toBe(2);
    expect(crowded.stderr.trim()).toBe('orquesta plan: --per-host must be an integer from 1 to the worker count (2), got "3"');
    const too = orquesta(['plan', file, '--coordinator', url, '--workers', '3', '--json']);
    expect(JSON.parse(too.stdout).placement).toMatchObject({
      fitsNow: false,
      placement: null,
      reason: 'needs 3 slots on 3 worker(s); the cluster has 2 on 2 agent(s)',
    });
    expect(await experiments()).toBe(before);
  }, 60_000);

  it('restarts from the last checkpoint after kill -9 of a worker, and finishes', async () => {
    const id = submit(spec('killed', 200));
    const running = await until(id, (s) => s.trials[0]!.lastCheckpoint !== null && s.trials[0]!.workers.every((w) => w.state === 'running' && w.pid));
    const victim = running.trials[0]!.workers.find((w) => w.rank === 1)!.pid!;
    const killedAt = Date.now();
    process.kill(victim, 'SIGKILL');
    const restarted = await until(id, (s) => s.trials[0]!.restarts === 1, 10_000);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(restarted.trials[0]!.attempt).toBe(2);
    const done = await until(id, (s) => ['succeeded', 'failed'].includes(s.state));
    expect(done.state).toBe('succeeded');
    const log = await events(id);
    expect(log).toContain('trial 0 rank 1 exited with signal SIGKILL');
    expect(log.some((m) => /restarting -> queued: restart 1 of 3 from .*step-\d+/.test(m))).toBe(true);
    expect(log.some((m) => /resumed from step [1-9]\d*/.test(m))).toBe(true);
  }, 150_000);

  it('ends bitwise equal to an uninterrupted run after 5 workers killed with -9 at random steps', async () => {
    const file = tinySpec(dir, 'chaos', 150, 'resources: { workers: 2 }\nfault_tolerance: { max_restarts: 10 }');
    const reference = submit(file);
    const clean = await until(reference, (s) => ['succeeded', 'failed'].includes(s.state));
    expect(clean.state).toBe('succeeded');
    const id = submit(file);
    let seed = Number(process.env['ORQUESTA_CHAOS_SEED'] ?? 5);
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const kills: string[] = [];
    for (let k = 0; k < 5; k++) {
      const target = 10 + k * 25 + Math.floor(rnd() * 15);
      const s = await until(
        id,
        (x) =>
          x.state === 'running' &&
          x.trials[0]!.restarts === k &&
          x.trials[0]!.step >= target &&
          x.trials[0]!.workers.every((w) => w.state === 'running' && w.pid),
      );
      const rank = Math.floor(rnd() * 2);
      process.kill(s.trials[0]!.workers.find((w) => w.rank === rank)!.pid!, 'SIGKILL');
      kills.push(`rank ${rank} near step ${s.trials[0]!.step}`);
      await until(id, (x) => x.trials[0]!.restarts === k + 1, 15_000);
    }
    const done = await until(id, (s) => ['succeeded', 'failed'].includes(s.state), 120_000);
    expect(done.state, kills.join(', ')).toBe('succeeded');
    expect(done.trials[0]!.restarts).toBe(5);
    const model = (s: Status) => readFileSync(join(s.trials[0]!.lastCheckpoint!, 'model.safetensors'));
    expect(done.trials[0]!.lastCheckpoint).toMatch(/step-0+150$/);
    expect(model(done).equals(model(clean)), `kills: ${kills.join(', ')}`).toBe(true);
  }, 240_000);

  it('orquesta chaos stall-worker: the peers name the stalled rank within seconds and the trial restarts', async () => {
    const id = submit(spec('stalled', 300));
    await until(id, (s) => s.state === 'running' && s.trials[0]!.lastCheckpoint !== null && s.trials[0]!.workers.every((w) => w.state === 'running'));
    const chaos = orquesta(['chaos', 'stall-worker', String(id), '--rank', '1', '--seconds', '60', '--coordinator', url]);
    expect(chaos.status, chaos.stderr).toBe(0);
    expect(chaos.stdout).toMatch(/stall-worker on rank 1 at node-\w for 60 s/);
    const stalledAt = Date.now();
    await until(id, (s) => s.trials[0]!.restarts === 1, 30_000);
    expect(Date.now() - stalledAt).toBeLessThan(25_000);
    const log = await events(id);
    expect(log.some((m) => /chaos stall-worker on rank 1/.test(m))).toBe(true);
    expect(
      log.some((m) => /running -> restarting: rank 0 exited with code 1 \((PeerLostError|CollectiveTimeoutError): .*rank 1/.test(m)),
      log.join('\n'),
    ).toBe(true);
    const done = await until(id, (s) => ['succeeded', 'failed'].includes(s.state), 120_000);
    expect(done.state).toBe('succeeded');
  }, 200_000);

  it('loses nothing when the coordinator is killed with -9 and restarted', async () => {
    const a = submit(spec('survivor', 150));
    const b = submit(spec('waiting', 20));
    await until(a, (s) => s.state === 'running');
    const serve = children[0]!;
    serve.kill('SIGKILL');
    await new Promise((r) => serve.once('exit', r));
    await startServe();
    const doneA = await until(a, (s) => ['succeeded', 'failed'].includes(s.state), 150_000);
    const doneB = await until(b, (s) => ['succeeded', 'failed'].includes(s.state), 150_000);
    expect([doneA.state, doneB.state]).toEqual(['succeeded', 'succeeded']);
    const all = (await (await api(`${url}/api/experiments`)).json()) as { id: number }[];
    expect(all.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await events(a)).slice(0, 2)).toEqual([`submitted survivor with 1 trial, priority 50`, 'trial 0: queued -> scheduled: placed on node-a, node-b']);
  }, 200_000);

  it('peer recovery: a node killed with -9 is replaced on a spare node; the other rank keeps its state and the run finishes', async () => {
    const file = tinySpec(dir, 'moved', 400, 'resources: { workers: 2 }\nfault_tolerance: { recovery: peer, max_restarts: 0 }');
    const id = submit(file);
    const running = await until(id, (s) => s.state === 'running' && s.trials[0]!.step >= 20 && s.trials[0]!.workers.every((w) => w.state === 'running'));
    expect(running.trials[0]!.workers.map((w) => w.rank)).toEqual([0, 1]);
    agents.set('node-c', start(agentArgs(url, 'node-c', await freePort(), ROOT, join(dir, 'node-c'))).child);
    const alive = async () => ((await (await api(`${url}/api/agents`)).json()) as { state: string }[]).filter((a) => a.state === 'alive').length;
    for (const deadline = Date.now() + 20_000; (await alive()) < 3;) {
      if (Date.now() > deadline) throw new Error('node-c did not register');
      await new Promise((r) => setTimeout(r, 200));
    }
    const victim = running.trials[0]!.workers.find((w) => w.rank === 1)!.agent;
    agents.get(victim)!.kill('SIGKILL'); // the node and its worker die
    const done = await until(id, (s) => ['succeeded', 'failed'].includes(s.state), 150_000);
    const log = await events(id);
    expect(done.state, log.join('\n')).toBe('succeeded');
    expect(done.trials[0]!.restarts).toBe(0);
    expect(
      log.some((m) => new RegExp(`replacing rank 1 on node-c \\(moved from ${victim}, gone or draining\\)`).test(m)),
      log.join('\n'),
    ).toBe(true);
    expect(
      log.some((m) => /recovered in [\d.]+ s \(rank 1 replaced\)/.test(m)),
      log.join('\n'),
    ).toBe(true);
  }, 200_000);

  it("a user over their slot quota: their next gang waits, with the reason in status, while another user's runs", async () => {
    const asAdmin = (args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args, '--coordinator', url], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ORQUESTA_TOKEN: adminToken } });
    const set = asAdmin(['quota', 'set', 'alice', '--max-slots', '1']);
    expect([set.status, set.stdout.trim()]).toEqual([0, 'alice: at most 1 slot(s) at once (0 in use), any priority']);
    const carol = asAdmin(['token', 'create', 'carol', '--role', 'submitter']);
    expect(carol.status, carol.stderr).toBe(0);
    try {
      const one = (name: string, steps: number) => tinySpec(dir, name, steps, 'resources: { workers: 1 }');
      const long = submit(one('alice-long', 2000));
      await until(long, (s) => s.state === 'running');
      const waiting = submit(one('alice-next', 20));
      const carols = spawnSync(process.execPath, [BIN, 'submit', one('carol-run', 20), '--coordinator', url], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, ORQUESTA_TOKEN: carol.stdout.trim() },
      });
      expect(carols.status, carols.stderr).toBe(0);
      // Carol's job, submitted after alice's second, takes the free slot and finishes while alice's waits.
      const carolDone = await until(Number(carols.stdout.trim()), (s) => ['succeeded', 'failed'].includes(s.state));
      expect(carolDone.state).toBe('succeeded');
      const shown = orquesta(['status', String(waiting), '--coordinator', url]);
      expect(shown.stdout).toMatch(/^0\s+queued #1\s/m);
      expect(shown.stdout).toContain("trial 0 waits for alice's quota: 1 of 1 slot(s) in use, this trial needs 1");
      expect((await status(waiting)).state).toBe('queued');
      // Her first ends: the second starts.
      expect(orquesta(['cancel', String(long), '--coordinator', url]).status).toBe(0);
      expect((await until(waiting, (s) => ['succeeded', 'failed'].includes(s.state))).state).toBe('succeeded');
    } finally {
      expect(asAdmin(['quota', 'set', 'alice']).stdout.trim()).toBe('alice: no quota (unlimited)');
    }
  }, 180_000);
});
