#!/usr/bin/env node
// Grid search versus ASHA on this machine: a real `orquesta serve` and one `orquesta agent` with
// --slots slots run the ASHA spec, then the grid spec (the same points), one after the other; then the
// coordinator's comparison (GET /api/compare) of the two gives each search's compute (worker-seconds:
// every trial's wall time from placement to its end, times its workers; and worker-steps) and its best
// validation loss. Prints a table, or one JSON line (--json).
//
//   node tools/bench/search.mjs                      (configs/search-asha.yaml, configs/search-grid.yaml)
//
// Options: --asha FILE  --grid FILE  --slots N (2)  --timeout-min M (90: per search)  --json
//          --out FILE (the comparison JSON, curves included, for docs)  --log-dir DIR (serve's and the agent's output)
//          --grid-from FILE (run only the ASHA spec; the grid's trials come from an earlier run's --out file:
//          training is seeded and bit-reproducible, so the same grid point gives the same curve)
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'apps/cli/bin/orquesta.js');
const SETTLED = ['succeeded', 'failed', 'cancelled', 'stopped'];

function parseArgs(argv) {
  const o = { asha: 'configs/search-asha.yaml', grid: 'configs/search-grid.yaml', slots: 2, timeoutMin: 90, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') o.json = true;
    else if (flag === '--asha') o.asha = argv[++i];
    else if (flag === '--grid') o.grid = argv[++i];
    else if (flag === '--out') o.out = argv[++i];
    else if (flag === '--log-dir') o.logDir = argv[++i];
    else if (flag === '--grid-from') o.gridFrom = argv[++i];
    else if (flag === '--slots' || flag === '--timeout-min') {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} needs a positive number, got ${argv[i]}`);
      o[flag === '--slots' ? 'slots' : 'timeoutMin'] = value;
    } else if (flag === '-h' || flag === '--help') {
      const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8')
        .split('\n')
        .slice(1, 13);
      process.stdout.write(lines.map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
      process.exit(0);
    } else throw new Error(`unknown option ${flag} (try --help)`);
  }
  return o;
}

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'orquesta-search-bench-'));
  if (o.logDir) mkdirSync(o.logDir, { recursive: true });
  const children = [];
  const start = (name, args, env = {}) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let text = '';
    const log = o.logDir ? createWriteStream(join(o.logDir, `${name}.log`)) : undefined;
    for (const stream of [child.stdout, child.stderr])
      stream.on('data', (d) => {
        text = (text + d).slice(-20_000);
        log?.write(d);
      });
    children.push(child);
    return () => text;
  };
  const stop = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  };
  process.on('SIGINT', () => {
    stop();
    process.exit(130);
  });
  try {
    const [port, controlPort, workerPort] = [await freePort(), await freePort(), await freePort()];
    const tokenFile = join(dir, 'token');
    const serveOutput = start('serve', [
      'serve',
      '--port',
      String(port),
      '--control-port',
      String(controlPort),
      '--db',
      join(dir, 'state.db'),
      '--token-file',
      tokenFile,
      '--allow-path',
      dir,
      // Loopback only: the bench's own fetches need no certificate.
      '--insecure-http',
    ]);
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; !/API http/.test(serveOutput()); i++) {
      if (i > 200) throw new Error(`orquesta serve did not start:\n${serveOutput()}`);
      await sleep(100);
    }
    const token = readFileSync(tokenFile, 'utf8').trim();
    const api = async (method, path, body) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const json = await response.json();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    };
    start(
      'agent',
      [
        'agent',
        '--coordinator',
        url,
        '--id',
        'bench',
        '--slots',
        String(o.slots),
        '--advertise-host',
        '127.0.0.1',
        '--ports',
        `${workerPort}-${workerPort + 20}`,
        '--workdir',
        ROOT,
        '--state-dir',
        join(dir, 'agent'),
      ],
      { ORQUESTA_TOKEN: token },
    );
    const results = {};
    for (const [kind, file] of [['asha', o.asha], ...(o.gridFrom ? [] : [['grid', o.grid]])]) {
      // Checkpoints in this run's own directory: a trial must never resume from an earlier run's.
      const spec = readFileSync(resolve(ROOT, file), 'utf8').replace(/^checkpoint: \{(.*)dir: [^,}]+/m, `checkpoint: {$1dir: ${join(dir, 'runs')}`);
      if (!spec.includes(join(dir, 'runs'))) throw new Error(`${file}: no checkpoint: { ..., dir: ... } line to point at ${join(dir, 'runs')}`);
      const { id } = await api('POST', '/api/experiments', { spec, source: file });
      const began = Date.now();
      let last = '';
      for (;;) {
        const s = await api('GET', `/api/experiments/${id}`);
        const counts = {};
        for (const t of s.trials) counts[t.state] = (counts[t.state] ?? 0) + 1;
        const line = `${kind} (experiment ${id}): ${Object.entries(counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}`;
        if (line !== last) process.stderr.write(`[${((Date.now() - began) / 60_000).toFixed(1)} min] ${line}\n`);
        last = line;
        if (s.trials.every((t) => SETTLED.includes(t.state))) break;
        if (Date.now() - began > o.timeoutMin * 60_000) throw new Error(`${kind} search did not end in ${o.timeoutMin} min: ${line}`);
        await sleep(5000);
      }
      results[kind] = { id, wallSeconds: (Date.now() - began) / 1000 };
    }
    let comparison = await api('GET', `/api/compare?ids=${results.asha.id}${results.grid ? `,${results.grid.id}` : ''}`);
    if (o.gridFrom) {
      // The grid of an earlier run, renumbered after this run's experiments.
      const earlier = JSON.parse(readFileSync(o.gridFrom, 'utf8'));
      const e = earlier.experiments.find((x) => x.search === 'grid');
      if (!e) throw new Error(`${o.gridFrom} has no grid search`);
      const id = results.asha.id + 1;
      const trials = earlier.trials.filter((t) => t.experimentId === e.id).map((t) => ({ ...t, experimentId: id }));
      const wallSeconds = Math.max(...trials.map((t) => t.wallSeconds ?? 0));
      results.grid = { id, wallSeconds: Number.NaN, from: o.gridFrom, trialWallMax: wallSeconds };
      comparison = { ...comparison, experiments: [...comparison.experiments, { ...e, id }], trials: [...comparison.trials, ...trials] };
    }
    if (o.out) writeFileSync(o.out, JSON.stringify(comparison, null, 1));
    const summary = {};
    for (const kind of ['asha', 'grid']) {
      const trials = comparison.trials.filter((t) => t.experimentId === results[kind].id);
      const best = trials.filter((t) => t.bestLoss !== null).sort((a, b) => a.bestLoss - b.bestLoss)[0];
      summary[kind] = {
        experiment: results[kind].id,
        trials: trials.length,
        states: Object.fromEntries(SETTLED.map((s) => [s, trials.filter((t) => t.state === s).length])),
        worker_seconds: Math.round(trials.reduce((n, t) => n + (t.workerSeconds ?? 0), 0)),
        worker_steps: trials.reduce((n, t) => n + t.steps * t.workers, 0),
        wall_seconds: Number.isNaN(results[kind].wallSeconds) ? null : Math.round(results[kind].wallSeconds),
        ...(results[kind].from ? { from: results[kind].from } : {}),
        best_valid_loss: best?.bestLoss ?? null,
        best_trial: best ? { idx: best.idx, overrides: best.overrides, steps: best.steps } : null,
      };
    }
    const ratio = {
      compute_worker_seconds: summary.asha.worker_seconds / summary.grid.worker_seconds,
      compute_worker_steps: summary.asha.worker_steps / summary.grid.worker_steps,
      best_loss_gap: summary.asha.best_valid_loss / summary.grid.best_valid_loss - 1,
    };
    if (o.json) process.stdout.write(`${JSON.stringify({ ...summary, ratio })}\n`);
    else {
      for (const kind of ['asha', 'grid']) {
        const s = summary[kind];
        process.stdout.write(
          `${kind}: ${s.trials} trials (${Object.entries(s.states)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${n} ${k}`)
            .join(
              ', ',
            )}), ${s.worker_seconds} worker-seconds, ${s.worker_steps} worker-steps, ${s.wall_seconds} s wall; best validation loss ${s.best_valid_loss?.toFixed(4)} (trial ${s.best_trial?.idx} ${JSON.stringify(s.best_trial?.overrides)})\n`,
        );
      }
      process.stdout.write(
        `ASHA / grid: compute ${ratio.compute_worker_seconds.toFixed(3)} (worker-seconds), ${ratio.compute_worker_steps.toFixed(3)} (worker-steps); best loss ${(ratio.best_loss_gap * 100).toFixed(2)} % from the grid's\n`,
      );
    }
  } finally {
    stop();
    await sleep(500);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
