// A cluster on this machine for the soak tools: `orquesta serve` with a fresh token and database in
// `dir`, and `agents` 1-slot agents (ids PREFIX1, PREFIX2, ...) each with its own data-plane port.
// Returns the API URL, the environment the CLI needs (ORQUESTA_TOKEN), `orquesta` to run a CLI command
// against it, experiment status and events, and stop() to kill every process it started.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'apps/cli/bin/orquesta.js');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/**
 * A free port below Linux's ephemeral range (32768-60999), for data-plane endpoints as agents use by
 * default (29500-29999): an ephemeral port may be taken, while its group is formed again, by an
 * outgoing connection, even one to itself (TCP self-connect), and the worker could not bind it.
 */
export const freeDataPort = async () => {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const ok = await new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
};

export async function startLocalCluster({ dir, agents, prefix = 's' }) {
  const children = [];
  const token = randomBytes(32).toString('hex');
  writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
  const env = { ...process.env, ORQUESTA_TOKEN: token };
  // Each process's output goes to DIR/NAME.log (kept when the soak fails, or with ORQUESTA_SOAK_KEEP=1).
  const start = (args) => {
    const log = openSync(join(dir, `${args[0] === 'agent' ? args[args.indexOf('--id') + 1] : args[0]}.log`), 'a');
    children.push(spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', log, log] }));
    closeSync(log);
  };
  const [api, control] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${api}`;
  start([
    'serve',
    '--port',
    String(api),
    '--control-port',
    String(control),
    '--db',
    join(dir, 'c.db'),
    '--token-file',
    join(dir, 'token'),
    '--allow-path',
    dir,
    // Loopback only: the soak's own fetches need no certificate.
    '--insecure-http',
  ]);
  for (
    let i = 0;
    i < 100 &&
    !(await fetch(`${url}/api/cluster`).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  )
    await sleep(200);
  for (let k = 1; k <= agents; k++) {
    const port = await freeDataPort();
    const id = `${prefix}${k}`;
    start([
      'agent',
      '--coordinator',
      url,
      '--id',
      id,
      '--slots',
      '1',
      '--advertise-host',
      '127.0.0.1',
      '--ports',
      `${port}-${port}`,
      '--workdir',
      ROOT,
      '--state-dir',
      join(dir, id),
    ]);
  }
  const orquesta = (args) => spawnSync(process.execPath, [BIN, ...args, '--coordinator', url], { cwd: ROOT, env, encoding: 'utf8' });
  return {
    url,
    env,
    orquesta,
    /** Submits a spec file; @returns the experiment id. @throws when submit fails. */
    submit(file) {
      const r = orquesta(['submit', file]);
      if (r.status !== 0) throw new Error(`submit ${file} failed: ${r.stderr}`);
      return Number(r.stdout.trim());
    },
    status: async (id) => (await fetch(`${url}/api/experiments/${id}`)).json(),
    events: async (id) => (await fetch(`${url}/api/experiments/${id}/events`)).json(),
    stop: () => children.forEach((c) => c.kill('SIGKILL')),
  };
}

/**
 * Runs a soak's `main` (resolving with the exit code) and exits with its code: the cluster `stop` is
 * called either way; `dir` is removed after a clean run and kept after an error, for its logs.
 */
export function runSoak(main, { dir, stop }) {
  main().then(
    (code) => {
      stop();
      if (code === 0 && process.env.ORQUESTA_SOAK_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
      else console.error(`soak: logs and state kept in ${dir}`);
      process.exit(code);
    },
    (error) => {
      console.error(error);
      stop();
      process.exit(1);
    },
  );
}
