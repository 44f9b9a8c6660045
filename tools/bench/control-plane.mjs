#!/usr/bin/env node
// The control plane at cluster scale, on one machine: a real `orquesta serve` (SQLite file, API token,
// CURVE on the control socket with an agent key list) and --agents simulated node agents
// (tools/bench/control-plane-agents.mjs: the real NodeAgent over real ZeroMQ sockets, one key pair
// each, --slots-per-agent GPU slots, workers that report every --report-every-s seconds and exit when
// done or told). It submits --experiments experiments through the HTTP API (priorities 0-100, gangs of
// 1 to 64 workers, preemptible or not, one in ten a 2-point grid search), lets them run, preempt and
// finish for --run-s seconds while sampling the API, then kills the coordinator with SIGKILL, starts it
// again on the same state and checks that nothing was lost. Prints one JSON line (--json) or a table.
//
//   node tools/bench/control-plane.mjs --agents 1000 --slots-per-agent 8 --experiments 10000 --json
//
// Options: --agents N (1000)  --slots-per-agent K (8)  --experiments M (10000)  --agent-processes P (2)
//          --report-every-s S (10)  --run-s S (120: after the submissions)  --concurrency C (32 submits in flight)
//          --samples FILE (scheduling pass samples as JSON, for tools/bench/control-plane-plot.mjs)  --json
//          --profile DIR (the coordinator runs with --cpu-prof into DIR and stops with SIGTERM; no restart)
//          --dashboard (after the run: the dashboard's first render in headless Chromium, /usr/bin/chromium)
//          --keep-queued (during the run, every finished experiment is replaced by a new one: a steady load
//          for a long --run-s, e.g. an hour; the coordinator's RSS is sampled every minute)
//          --log-dir DIR (the coordinator's stderr to DIR/serve.log, each agent process's to DIR/agents-P.log)
import { spawn } from 'node:child_process';
import { appendFileSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import Database from 'better-sqlite3';
import { curveKeyPair } from 'zeromq';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'apps/cli/bin/orquesta.js');
const AGENTS = fileURLToPath(new URL('./control-plane-agents.mjs', import.meta.url));

function parseArgs(argv) {
  const o = {
    agents: 1000,
    slotsPerAgent: 8,
    experiments: 10_000,
    agentProcesses: 2,
    reportEveryS: 10,
    runS: 120,
    concurrency: 32,
    samples: undefined,
    json: false,
  };
  const names = {
    '--agents': 'agents',
    '--slots-per-agent': 'slotsPerAgent',
    '--experiments': 'experiments',
    '--agent-processes': 'agentProcesses',
    '--report-every-s': 'reportEveryS',
    '--run-s': 'runS',
    '--concurrency': 'concurrency',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') o.json = true;
    else if (flag === '--samples') o.samples = argv[++i];
    else if (flag === '--profile') o.profile = argv[++i];
    else if (flag === '--log-dir') o.logDir = argv[++i];
    else if (flag === '--dashboard') o.dashboard = true;
    else if (flag === '--keep-queued') o.keepQueued = true;
    else if (flag === '-h' || flag === '--help') {
      process.stdout.write(
        readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 18)
          .map((l) => l.replace(/^\/\/ ?/, ''))
          .join('\n') + '\n',
      );
      process.exit(0);
    } else if (names[flag] !== undefined) {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value < 1) throw new Error(`${flag} needs a positive number, got ${argv[i]}`);
      o[names[flag]] = value;
    } else throw new Error(`unknown option ${flag} (try --help)`);
  }
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (line) => process.stderr.write(`[control-plane] ${line}\n`);

function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? null : s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
const round = (x, d = 1) => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** A small deterministic generator, so two runs submit the same experiments. */
function random(seed) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function specText(i, rnd) {
  const sizes = [1, 1, 1, 1, 2, 2, 2, 4, 4, 8, 8, 16, 32, 64];
  const workers = sizes[Math.floor(rnd() * sizes.length)];
  const priority = Math.floor(rnd() * 101);
  const preemptible = rnd() < 0.7;
  const steps = 300 + Math.floor(rnd() * 1500); // 30 to 180 simulated seconds
  const grid = rnd() < 0.1;
  return [
    `name: cp-${i}`,
    'task: translation',
    'data: { train: data/spa-eng/valid.tsv.gz, valid: data/spa-eng/valid.tsv.gz, source: es, target: en, max_len: 16 }',
    'tokenizer: { kind: bpe, vocab_size: 500, shared: true }',
    'model: { d_model: 32, heads: 2, d_ff: 64, encoder_layers: 1, decoder_layers: 1, max_len: 20 }',
    'optimizer: { kind: adam, lr: 1.0e-3, warmup_steps: 5 }',
    `training: { max_tokens_per_batch: 256, max_steps: ${steps} }`,
    `resources: { workers: ${workers} }`,
    `checkpoint: { every_steps: 100, dir: runs/control-plane/${i} }`,
    `scheduling: { priority: ${priority}, preemptible: ${preemptible} }`,
    ...(grid ? ['search: { kind: grid, parameters: { optimizer.lr: [1.0e-3, 5.0e-4] } }'] : []),
  ].join('\n');
}

class Serve {
  constructor(dir, ports, nodeFlags = []) {
    this.nodeFlags = nodeFlags;
    this.dir = dir;
    this.ports = ports;
    this.url = `http://127.0.0.1:${ports.http}`;
  }
  async start() {
    // Loopback only: the bench's own fetches need no certificate.
    const args = ['serve', '--db', join(this.dir, 'c.db'), '--port', String(this.ports.http), '--control-port', String(this.ports.control), '--insecure-http'];
    args.push('--agent-keys', join(this.dir, 'agents.keys'), '--allow-path', ROOT);
    this.child = spawn(process.execPath, [...this.nodeFlags, CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    this.stderr = '';
    this.stalls ??= [];
    this.child.stderr.on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-20_000);
      if (this.logDir) appendFileSync(join(this.logDir, 'serve.log'), d);
      for (const m of String(d).matchAll(/coordinator stalled for (\d+) ms/g)) this.stalls.push({ at: Date.now(), ms: Number(m[1]) });
    });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try {
        const r = await fetch(`${this.url}/api/cluster`);
        if (r.ok) return r.json();
      } catch {
        // not up yet
      }
      await sleep(50);
    }
    throw new Error(`orquesta serve did not start:\n${this.stderr}`);
  }
  kill() {
    this.child.kill('SIGKILL');
    return new Promise((r) => this.child.once('exit', r));
  }
  rssMiB() {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'orquesta-control-plane-'));
  const keys = Array.from({ length: o.agents }, (_, i) => ({ id: `sim-${String(i).padStart(4, '0')}`, ...curveKeyPair() }));
  writeFileSync(join(dir, 'agents.keys'), `# simulated agents\n${keys.map((k) => `${k.publicKey} ${k.id}`).join('\n')}\n`);
  const serve = new Serve(dir, { http: await freePort(), control: await freePort() }, o.profile ? ['--cpu-prof', `--cpu-prof-dir=${o.profile}`] : []);
  if (o.logDir) mkdirSync(o.logDir, { recursive: true });
  serve.logDir = o.logDir;
  const cluster = await serve.start();
  const token = readFileSync(join(dir, 'token'), 'utf8').trim();
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  log(`serve up at ${serve.url}; starting ${o.agents} agents in ${o.agentProcesses} process(es)`);

  const agentProcs = [];
  const per = Math.ceil(o.agents / o.agentProcesses);
  for (let p = 0; p < o.agentProcesses; p++) {
    const slice = keys.slice(p * per, (p + 1) * per);
    const file = join(dir, `agents-${p}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        endpoint: `tcp://127.0.0.1:${serve.ports.control}`,
        serverKey: cluster.controlPublicKey,
        token,
        stateDir: join(dir, 'agents'),
        slots: o.slotsPerAgent,
        reportEverySec: o.reportEveryS,
        agents: slice,
        statsFile: join(dir, `agents-${p}.stats.json`),
      }),
    );
    const child = spawn(process.execPath, ['--max-old-space-size=4096', AGENTS, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    if (o.logDir) child.stderr.pipe(createWriteStream(join(o.logDir, `agents-${p}.log`)));
    else child.stderr.on('data', () => {});
    agentProcs.push(child);
  }
  const aliveAgents = async () => (await (await fetch(`${serve.url}/api/agents`, { headers: auth })).json()).filter((a) => a.state === 'alive').length;
  const registerStart = Date.now();
  for (let n = 0; ; await sleep(500)) {
    n = await aliveAgents();
    if (n >= o.agents) break;
    if (Date.now() - registerStart > 120_000) throw new Error(`only ${n} of ${o.agents} agents registered in 120 s`);
  }
  const registerS = (Date.now() - registerStart) / 1000;
  log(`${o.agents} agents registered in ${registerS.toFixed(1)} s`);

  // The API sampler: list (a page and everything), status, logs and /metrics, one request at a time.
  const api = { list: [], listAll: [], status: [], logs: [], metrics: [] };
  let sampling = true;
  let maxId = 0;
  const timed = async (kind, path) => {
    const t0 = performance.now();
    try {
      const r = await fetch(`${serve.url}${path}`, { headers: auth });
      await r.arrayBuffer();
      if (r.ok) api[kind].push(performance.now() - t0);
    } catch {
      // counted as missing
    }
  };
  // Busy users: a page of the list, statuses, logs, and now and then the whole list, one at a time.
  const users = (async () => {
    const rnd = random(7);
    const kinds = ['list', 'status', 'status', 'logs', 'list', 'status', 'status', 'logs', 'listAll'];
    for (let i = 0; sampling; i++) {
      const kind = kinds[i % kinds.length];
      const id = 1 + Math.floor(rnd() * Math.max(1, maxId));
      if (maxId > 0)
        await timed(
          kind,
          {
            list: '/api/experiments?state=running&limit=50',
            listAll: '/api/experiments?limit=10000',
            status: `/api/experiments/${id}`,
            logs: `/api/experiments/${id}/logs`,
          }[kind],
        );
      await sleep(50);
    }
  })();
  // Prometheus: /metrics every 5 s.
  const scraper = (async () => {
    while (sampling) {
      await timed('metrics', '/metrics');
      await sleep(5000);
    }
  })();
  const sampler = Promise.all([users, scraper]);

  // Submissions, --concurrency in flight.
  const rnd = random(1);
  const specs = Array.from({ length: o.experiments }, (_, i) => specText(i, rnd));
  let next = 0;
  let refused = 0;
  const submitStart = performance.now();
  const submitOne = async (spec) => {
    const r = await fetch(`${serve.url}/api/experiments`, { method: 'POST', headers: auth, body: JSON.stringify({ spec, source: 'bench.yaml' }) });
    const body = await r.json();
    if (r.status !== 201) {
      if (refused++ < 3) log(`submit refused: ${JSON.stringify(body).slice(0, 300)}`);
    } else maxId = Math.max(maxId, body.id);
  };
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (next < specs.length) await submitOne(specs[next++]);
    }),
  );
  const submitS = (performance.now() - submitStart) / 1000;
  log(`${o.experiments} submitted in ${submitS.toFixed(1)} s (${refused} refused); running ${o.runS} s`);

  const runStart = Date.now();
  // --keep-queued: every finished experiment is replaced by a new one; RSS every minute.
  let resubmitted = 0;
  const rssByMinute = [];
  let running = true;
  const keeper = (async () => {
    for (let tick = 0; running; tick++) {
      if (tick % 12 === 0) rssByMinute.push(round(serve.rssMiB()));
      if (o.keepQueued) {
        let finished = 0;
        for (const state of ['succeeded', 'failed', 'cancelled'])
          finished += Number((await fetch(`${serve.url}/api/experiments?state=${state}&limit=1`, { headers: auth })).headers.get('x-total-count'));
        for (; resubmitted < finished; resubmitted++) await submitOne(specText(o.experiments + resubmitted, rnd));
      }
      await sleep(5000);
    }
  })();
  await sleep(o.runS * 1000);
  running = false;
  await keeper;
  const stats = await (await fetch(`${serve.url}/api/stats?samples=true`, { headers: auth })).json();
  sampling = false;
  await sampler;
  const dashboard = o.dashboard ? await dashboardFirstRender(serve.url) : undefined;
  const rss = serve.rssMiB();
  if (o.profile) {
    serve.child.kill('SIGTERM');
    await new Promise((r) => serve.child.once('exit', r));
    for (const p of agentProcs) p.kill('SIGTERM');
    log(`profile in ${o.profile}; stats ${JSON.stringify({ ...stats, scheduling: { ...stats.scheduling, samples: undefined } })}`);
    process.exit(0);
  }

  // kill -9, then the same state again.
  const dbFile = join(dir, 'c.db');
  await serve.kill();
  const killedAt = Date.now();
  const db = new Database(dbFile, { readonly: true });
  const count = (sql) => db.prepare(sql).get().n;
  const before = {
    experiments: count('SELECT count(*) AS n FROM experiments'),
    trials: count('SELECT count(*) AS n FROM trials'),
    events: count('SELECT count(*) AS n FROM events'),
    maxEvent: count('SELECT max(id) AS n FROM events'),
  };
  const figures = {
    agentLost: count(`SELECT count(*) AS n FROM events WHERE kind = 'agent-lost'`),
    // When agents were lost (minute of the run: count) and, for the first few, for how long they were silent.
    agentLostByMinute: Object.fromEntries(
      db
        .prepare(`SELECT (ts - ${runStart}) / 60000 AS m, count(*) AS n FROM events WHERE kind = 'agent-lost' GROUP BY m ORDER BY m`)
        .all()
        .map((r) => [Math.floor(r.m), r.n]),
    ),
    agentLostMessages: db
      .prepare(`SELECT message FROM events WHERE kind = 'agent-lost' ORDER BY id LIMIT 5`)
      .all()
      .map((r) => r.message),
    metricRows: count(`SELECT count(*) AS n FROM metrics WHERE ts >= ${runStart}`),
    states: Object.fromEntries(
      db
        .prepare('SELECT state, count(*) AS n FROM trials GROUP BY state')
        .all()
        .map((r) => [r.state, r.n]),
    ),
    freeToStart: freeToStartMs(db, runStart),
  };
  db.close();
  const dbMiB = ['c.db', 'c.db-wal'].reduce((sum, f) => sum + (existsSync(join(dir, f)) ? statSync(join(dir, f)).size : 0), 0) / 2 ** 20;
  const restartAt = Date.now();
  await serve.start();
  let scheduledAgainS = null;
  let passAgainS = null;
  while (Date.now() - restartAt < 60_000 && scheduledAgainS === null) {
    const s = await (await fetch(`${serve.url}/api/stats`, { headers: auth })).json();
    if (passAgainS === null && s.scheduling.total > 0) passAgainS = (Date.now() - restartAt) / 1000;
    const after = new Database(dbFile, { readonly: true });
    const placed = after.prepare(`SELECT min(ts) AS t FROM events WHERE id > ? AND to_state = 'scheduled'`).get(before.maxEvent).t;
    after.close();
    if (placed) scheduledAgainS = (placed - restartAt) / 1000;
    else await sleep(100);
  }
  const after = new Database(dbFile, { readonly: true });
  const lost = {
    experiments: before.experiments - after.prepare('SELECT count(*) AS n FROM experiments').get().n,
    trials: before.trials - after.prepare('SELECT count(*) AS n FROM trials').get().n,
    events: before.events - after.prepare('SELECT count(*) AS n FROM events WHERE id <= ?').get(before.maxEvent).n,
  };
  after.close();
  await serve.kill();
  await Promise.all(agentProcs.map((p) => new Promise((r) => (p.once('exit', r), p.kill('SIGTERM')))));
  // How late the agents' own processes fired their heartbeat timers (the simulator's share of any lag).
  const timerLags = agentProcs.flatMap((_, p) => {
    const file = join(dir, `agents-${p}.stats.json`);
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).timerLags : [];
  });

  const result = {
    agents: o.agents,
    slots: o.agents * o.slotsPerAgent,
    experiments: o.experiments,
    trials: before.trials,
    register_s: round(registerS),
    submit_per_s: round(o.experiments / submitS),
    submit_refused: refused,
    schedule_p50_ms: round(stats.scheduling.sinceStart.p50, 2),
    schedule_p99_ms: round(stats.scheduling.sinceStart.p99, 2),
    schedule_max_ms: round(stats.scheduling.sinceStart.max, 2),
    schedule_passes: stats.scheduling.total,
    // Over the whole run (the coordinator's histogram since its start, within 2 %).
    heartbeat_lag_p50_ms: round(stats.heartbeatLag.sinceStart.p50),
    heartbeat_lag_p99_ms: round(stats.heartbeatLag.sinceStart.p99),
    heartbeat_lag_max_ms: round(stats.heartbeatLag.sinceStart.max),
    heartbeat_lag_last_10000_p99_ms: round(stats.heartbeatLag.p99),
    agents_lost: figures.agentLost,
    agents_lost_by_minute: figures.agentLostByMinute,
    agents_lost_first: figures.agentLostMessages,
    coordinator_stalls: serve.stalls.map((s) => ({ minute: round((s.at - runStart) / 60_000), ms: s.ms })),
    agent_timer_lag_p99_ms: round(quantile(timerLags, 0.99)),
    agent_timer_lag_max_ms: round(quantile(timerLags, 1)),
    free_to_start_p50_ms: round(quantile(figures.freeToStart, 0.5)),
    metric_rows_per_s: round(figures.metricRows / o.runS),
    list_p99_ms: round(quantile(api.list, 0.99)),
    list_all_p99_ms: round(quantile(api.listAll, 0.99)),
    status_p99_ms: round(quantile(api.status, 0.99)),
    logs_p99_ms: round(quantile(api.logs, 0.99)),
    metrics_p99_ms: round(quantile(api.metrics, 0.99)),
    api_requests: Object.values(api).reduce((n, l) => n + l.length, 0),
    rss_mib: round(rss),
    rss_mib_by_minute: rssByMinute,
    ...(o.keepQueued ? { resubmitted } : {}),
    db_mib: round(dbMiB),
    trial_states: figures.states,
    ...(dashboard ? { dashboard_first_render_ms: round(dashboard.ms), dashboard_listed: dashboard.listed, dashboard_header: dashboard.header } : {}),
    restart_to_pass_s: round(passAgainS, 2),
    restart_to_schedule_s: round(scheduledAgainS, 2),
    killed_to_restart_s: round((restartAt - killedAt) / 1000, 2),
    lost,
  };
  if (o.samples) writeFileSync(o.samples, JSON.stringify(stats.scheduling.samples));
  if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else for (const [k, v] of Object.entries(result)) process.stdout.write(`${k.padEnd(24)} ${typeof v === 'object' ? JSON.stringify(v) : v}\n`);
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

/** ms from opening the dashboard in headless Chromium until its experiment list shows, and what it shows. */
async function dashboardFirstRender(url) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const t0 = performance.now();
    await page.goto(url);
    await page.locator('#experiments li[data-id]').first().waitFor({ timeout: 60_000 });
    const ms = performance.now() - t0;
    return { ms, listed: await page.locator('#experiments li[data-id]').count(), header: await page.locator('#cluster').textContent() };
  } finally {
    await browser.close();
  }
}

/** For each time slots were freed (a run ended or was stopped), ms until the next gang was placed. */
function freeToStartMs(db, since) {
  const rows = db.prepare(`SELECT ts, from_state, to_state FROM events WHERE ts >= ? AND to_state IS NOT NULL ORDER BY id`).all(since);
  const gaps = [];
  let freedAt = null;
  for (const r of rows) {
    const frees = ['running', 'checkpointing', 'restarting'].includes(r.from_state) && !['running', 'checkpointing', 'restarting'].includes(r.to_state);
    if (frees && freedAt === null) freedAt = r.ts;
    else if (r.to_state === 'scheduled' && freedAt !== null) {
      gaps.push(r.ts - freedAt);
      freedAt = null;
    }
  }
  return gaps;
}

main().catch((error) => {
  process.stderr.write(`control-plane: ${error.stack ?? error}\n`);
  process.exit(1);
});
