/**
 * A search as users run it: `orquesta serve` and one `orquesta agent` with one slot (trials run one
 * after another, so which trials ASHA stops follows from the seeded training alone), an ASHA search
 * over four learning rates and a plain run, both trained by real workers. Some trials stop early at a
 * checkpoint in state `stopped`, the best one trains to the end; `orquesta compare` and the dashboard's
 * comparison view (headless chromium, where installed) show both experiments.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { certificateFileFetch, freePort } from '@orquesta/launch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'apps/cli/bin/orquesta.js');
const CHROMIUM = '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'orquesta-search-'));
const children: ChildProcess[] = [];
/** The API, trusting the coordinator's self-signed certificate; the CLI pins it in this test's config directory. */
const coordinatorApi = certificateFileFetch(join(dir, 'tls.crt'));
process.env['ORQUESTA_CONFIG_DIR'] = join(dir, 'cli-config');
let browser: Browser | undefined;
let url = '';
const ids: string[] = [];

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BIN, ...args, '--coordinator', url], { cwd: ROOT, encoding: 'utf8' });
}

/** A tiny translation spec on the validation pairs, evaluated every 10 steps. */
function writeSpec(name: string, lines: string[]): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      'task: translation',
      'data: { train: data/spa-eng/valid.tsv.gz, valid: data/spa-eng/valid.tsv.gz, source: es, target: en, max_len: 16 }',
      'tokenizer: { kind: bpe, vocab_size: 500, shared: true }',
      'model: { d_model: 32, heads: 2, d_ff: 64, encoder_layers: 1, decoder_layers: 1, max_len: 20 }',
      'optimizer: { lr: 3.0e-3, warmup_steps: 5 }',
      'training: { max_tokens_per_batch: 256, max_steps: 40, log_every_steps: 10, eval_every_steps: 10, eval_bleu_sentences: 0 }',
      `checkpoint: { every_steps: 10, dir: ${join(dir, 'runs')} }`,
      ...lines,
    ].join('\n'),
  );
  return file;
}

interface Status {
  state: string;
  trials: { idx: number; state: string; step: number; lastCheckpoint: string | null; overrides: Record<string, number> }[];
}

async function settled(id: string, timeoutMs: number): Promise<Status> {
  for (const until = Date.now() + timeoutMs; Date.now() < until;) {
    const status = (await (await coordinatorApi(`${url}/api/experiments/${id}`)).json()) as Status;
    if (status.trials.every((t) => ['succeeded', 'failed', 'cancelled', 'stopped'].includes(t.state))) return status;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`experiment ${id} did not end in ${timeoutMs} ms`);
}

beforeAll(async () => {
  const [api, control, worker] = [await freePort(), await freePort(), await freePort()];
  url = `https://127.0.0.1:${api}`;
  const token = randomBytes(32).toString('hex');
  writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
  process.env['ORQUESTA_TOKEN'] = token;
  const serveArgs = ['serve', '--port', String(api), '--control-port', String(control), '--db', join(dir, 'c.db'), '--token-file', join(dir, 'token')];
  children.push(spawn(process.execPath, [BIN, ...serveArgs, '--allow-path', dir], { cwd: ROOT, stdio: 'ignore' }));
  for (let i = 0; i < 100; i++) {
    if (await coordinatorApi(`${url}/api/cluster`).then((r) => r.ok, () => false)) break; // prettier-ignore
    await new Promise((r) => setTimeout(r, 200));
  }
  const agentArgs = ['agent', '--coordinator', url, '--id', 'solo', '--slots', '1', '--advertise-host', '127.0.0.1', '--ports', `${worker}-${worker}`];
  children.push(spawn(process.execPath, [BIN, ...agentArgs, '--workdir', ROOT, '--state-dir', join(dir, 'agent')], { cwd: ROOT, stdio: 'ignore' }));
});

afterAll(async () => {
  await browser?.close();
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('search under orquesta serve', () => {
  it('ASHA stops losing trials early at a checkpoint and trains the best to the end; compare shows both experiments', async () => {
    const search = writeSpec('asha-e2e', [
      'search: { kind: asha, sampler: grid, min_steps: 10, reduction_factor: 2, parameters: { optimizer.lr: [3.0e-3, 1.0e-3, 1.0e-5, 1.0e-7] } }',
    ]);
    const single = writeSpec('single-e2e', []);
    for (const spec of [search, single]) {
      const submitted = cli('submit', spec);
      expect(submitted.status, submitted.stderr).toBe(0);
      ids.push(submitted.stdout.trim());
    }
    const status = await settled(ids[0]!, 150_000);
    await settled(ids[1]!, 60_000);
    const stopped = status.trials.filter((t) => t.state === 'stopped');
    const succeeded = status.trials.filter((t) => t.state === 'succeeded');
    expect(stopped.length).toBeGreaterThan(0);
    expect(succeeded.length).toBeGreaterThan(0);
    // A stopped trial stopped before the end, at a checkpoint it can be resumed from.
    for (const t of stopped) {
      expect(t.step).toBeLessThan(40);
      expect(t.lastCheckpoint).not.toBeNull();
    }
    expect(succeeded.every((t) => t.step === 40)).toBe(true);
    expect(status.state).toBe('succeeded');
    const json = JSON.parse(cli('status', ids[0]!, '--json').stdout) as Status;
    expect(json.trials.map((t) => t.state)).toEqual(status.trials.map((t) => t.state));
    const events = (await (await coordinatorApi(`${url}/api/experiments/${ids[0]}/events`)).json()) as { message: string }[];
    expect(events.some((e) => / -> stopped: stopped at checkpoint /.test(e.message))).toBe(true);
    expect(events.some((e) => /stopped by ASHA: validation loss \d+\.\d+ at step 10 ranks \d of \d at rung 1 of 2/.test(e.message))).toBe(true);

    // The comparison: the best validation loss belongs to a trial that trained to the end.
    const compared = cli('compare', ids[0]!, ids[1]!);
    expect(compared.status, compared.stderr).toBe(0);
    const lines = compared.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^EXP\s+TRIAL\s+STATE\s+OPTIMIZER\.LR\s+STEPS\s+BEST VALID LOSS\s+BEST BLEU\s+WALL\s+WORKER-S$/);
    expect(lines).toHaveLength(1 + 5 + 2);
    expect(lines[1]).toMatch(/^\d+\s+\d\s+succeeded\s/);
    expect(lines.at(-2)).toMatch(
      new RegExp(`^experiment ${ids[0]} asha-e2e \\(asha search\\): succeeded, 4 trial\\(s\\) \\(\\d succeeded, \\d stopped\\); \\d+ worker-steps`),
    );
    const bad = cli('compare', ids[0]!, '999');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/no experiment with id 999/);
  }, 240_000);

  it.skipIf(!existsSync(CHROMIUM))(
    'the dashboard compares the two experiments: curves drawn, one line per trial in the parallel coordinates',
    async () => {
      expect(ids).toHaveLength(2);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
      const page = await browser.newPage({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      // Check both experiments in the list and compare them.
      for (const id of ids) await page.locator(`#experiments input[data-compare="${id}"]`).check();
      await page.locator('#compare-checked').click();
      await page.locator('#compare-rows tr').nth(4).waitFor({ timeout: 20_000 });
      expect(new URL(page.url()).searchParams.get('compare')).toBe(ids.join(','));
      expect(await page.locator('#compare-rows tr').count()).toBe(5);
      // Curves: one series per trial, every evaluation a point, drawn on the canvas.
      expect(await page.locator('#compare-curves').getAttribute('data-series')).toBe('5');
      expect(Number(await page.locator('#compare-curves').getAttribute('data-points'))).toBeGreaterThanOrEqual(5 + 4);
      const coloured = await page.evaluate(() => {
        const canvas = document.querySelector<HTMLCanvasElement>('#compare-curves canvas')!;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && Math.abs(data[i]! - data[i + 2]!) > 60) n++;
        return n;
      });
      expect(coloured).toBeGreaterThan(100);
      // Parallel coordinates: two axes (optimizer.lr, best valid loss) and one polyline per trial.
      expect(await page.locator('#compare-parallel svg polyline').count()).toBe(5);
      expect(await page.locator('#compare-parallel svg text').filter({ hasText: 'optimizer.lr' }).count()).toBe(1);
      expect(await page.locator(`#compare-parallel polyline[data-trial="exp ${ids[1]} trial 0"]`).count()).toBe(1);
      // The plain run's learning rate comes from its spec: every line crosses both axes.
      for (const points of await page.locator('#compare-parallel svg polyline').evaluateAll((ls) => ls.map((l) => l.getAttribute('points'))))
        expect(points?.split(' ')).toHaveLength(2);
      mkdirSync(join(ROOT, 'tmp', 'screenshots'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'tmp', 'screenshots', 'compare.png'), fullPage: true });
      expect(errors).toEqual([]);
    },
    120_000,
  );
});
