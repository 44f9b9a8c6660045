/**
 * A real Prometheus (Debian's) scrapes `orquesta serve`'s /metrics over HTTPS (its tls_config trusts
 * the coordinator's self-signed certificate) while a job trains; its query API then returns the job's
 * target tokens/s. Skipped where no prometheus binary is installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { agentArgs, apiFetch, freePort, testToken, tinySpec } from './cluster-fixtures.js';
import { orquesta, ROOT } from './run-cli.js';

const BIN = fileURLToPath(new URL('../../cli/bin/orquesta.js', import.meta.url));
const hasPrometheus = spawnSync('sh', ['-c', 'command -v prometheus']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'orquesta-prom-'));
const children: ChildProcess[] = [];
const coordinatorApi = apiFetch(dir);
process.env['ORQUESTA_CONFIG_DIR'] = join(dir, 'cli-config');

const start = (command: string, args: string[]) => {
  const child = spawn(command, args, { cwd: ROOT, stdio: 'ignore' });
  children.push(child);
  return child;
};

/** Prometheus's answer to an instant query. */
type Samples = { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };

async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }); // a worker may still be writing its last checkpoint
});

describe.skipIf(!hasPrometheus)('Prometheus', () => {
  it('scrapes a running job and answers its tokens/s through /api/v1/query', async () => {
    const [api, control, prom] = [await freePort(), await freePort(), await freePort()];
    const url = `https://127.0.0.1:${api}`;
    start(process.execPath, [
      BIN,
      'serve',
      '--port',
      String(api),
      '--control-port',
      String(control),
      '--db',
      join(dir, 'c.db'),
      '--token-file',
      testToken(dir),
      '--allow-path',
      dir,
    ]);
    await poll(async () => ((await coordinatorApi(`${url}/api/cluster`)).ok ? true : undefined), 20_000, 'orquesta serve');
    const agentMetrics = await freePort();
    for (const id of ['p1', 'p2']) {
      const port = await freePort();
      const extra = id === 'p1' ? ['--metrics-port', String(agentMetrics)] : [];
      start(process.execPath, [BIN, ...agentArgs(url, id, port, ROOT, join(dir, id)), ...extra]);
    }
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s }',
        'scrape_configs:',
        '  - job_name: orquesta',
        '    scheme: https',
        `    tls_config: { ca_file: ${join(dir, 'tls.crt')} }`,
        `    static_configs: [{ targets: ['127.0.0.1:${api}'] }]`,
      ].join('\n'),
    );
    start('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${prom}`]);
    await poll(async () => ((await fetch(`http://127.0.0.1:${prom}/-/ready`)).ok ? true : undefined), 20_000, 'prometheus');
    await poll(async () => (((await (await coordinatorApi(`${url}/api/agents`)).json()) as unknown[]).length === 2 ? true : undefined), 20_000, 'agents');
    const spec = tinySpec(dir, 'scraped', 2000);
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('eval_every_steps: 2000', 'eval_every_steps: 20'));
    const submitted = orquesta(['submit', spec, '--coordinator', url]);
    expect(submitted.status, submitted.stderr).toBe(0);
    /** The samples of an instant query. */
    const instant = async (query: string) =>
      ((await (await fetch(`http://127.0.0.1:${prom}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as Samples).data.result;
    const sample = await poll(
      async () => (await instant('orquesta_train_tokens_per_second{experiment="scraped"}'))[0],
      60_000,
      'a tokens/s sample in Prometheus',
    );
    expect(sample.metric).toMatchObject({ experiment: 'scraped', trial: '0', rank: '0', job: 'orquesta' });
    expect(Number(sample.value[1])).toBeGreaterThan(0);
    // Every rank's memory is one series per trial: the largest of its ranks'.
    const memory = await poll(
      async () => {
        const result = await instant('orquesta_train_memory_bytes{experiment="scraped",kind="rss"}');
        return result.length === 1 ? result : undefined;
      },
      30_000,
      "the trial's memory",
    );
    expect(memory[0]?.metric).toMatchObject({ trial: '0' });
    expect(memory[0]?.metric['rank']).toBeUndefined();
    expect(Number(memory[0]?.value[1])).toBeGreaterThan(50e6);
    // Step phases: the trial's mean over its ranks, and the cluster's histogram by phase.
    const phase = await poll(
      async () => (await instant('orquesta_train_step_phase_mean_seconds{experiment="scraped",phase="compute"}'))[0],
      30_000,
      "the trial's mean compute seconds per step",
    );
    expect(Number(phase.value[1])).toBeGreaterThan(0);
    expect((await instant('orquesta_train_step_phase_seconds_count{phase="compute"}')).map((r) => r.metric['experiment'])).toEqual([undefined]);
    const agentText = await (await fetch(`http://127.0.0.1:${agentMetrics}/metrics`)).text();
    expect(agentText).toMatch(/^orquesta_agent_slots\{[^}]*\} 1$/m);
    expect(agentText).toMatch(/^orquesta_agent_workers\{[^}]*\} 1$/m);
    // Validation BLEU from rank 0's evaluations (every 20 steps), on a 0-100 scale.
    const bleu = await poll(async () => (await instant('orquesta_train_valid_bleu{experiment="scraped"}'))[0], 30_000, 'a validation BLEU sample');
    expect(bleu.metric).toMatchObject({ rank: '0', trial: '0' });
    expect(Number(bleu.value[1])).toBeGreaterThanOrEqual(0);
    expect(Number(bleu.value[1])).toBeLessThanOrEqual(100);
    // The trial's goodput, and its wall time by use (productive, startup, ...).
    const goodput = await poll(async () => (await instant('orquesta_trial_goodput{experiment="scraped"}'))[0], 30_000, 'a goodput sample');
    expect(goodput.metric).toMatchObject({ trial: '0' });
    expect(Number(goodput.value[1])).toBeGreaterThan(0);
    expect(Number(goodput.value[1])).toBeLessThanOrEqual(1);
    const uses = await instant('orquesta_trial_time_seconds{experiment="scraped"}');
    expect(uses.map((r) => r.metric['use']).sort()).toEqual(['checkpoint', 'evaluation', 'productive', 'recovery', 'replayed', 'stalls', 'startup']);
    expect(Number(uses.find((r) => r.metric['use'] === 'productive')?.value[1])).toBeGreaterThan(0);
    const jobs = await instant('orquesta_cluster_jobs{state="running"}');
    expect(Number(jobs[0]?.value[1])).toBe(1);
  }, 120_000);
});
