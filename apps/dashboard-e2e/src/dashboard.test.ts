/**
 * The dashboard in a real browser: Debian's chromium, driven by playwright-core, opens `orquesta
 * serve`'s page while two agents train a submitted job; it sees the experiment, the loss chart
 * gaining points, per-rank step-time bars and speeds, the trial's goodput and events, and saves a screenshot that is checked
 * against a blank page of the same size. Skipped where chromium is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { certificateFileFetch, freePort } from '@orquesta/launch';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'apps/cli/bin/orquesta.js');
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(ROOT, 'tmp', 'screenshots');
const hasChromium = existsSync(CHROMIUM);
const dir = mkdtempSync(join(tmpdir(), 'orquesta-dashboard-'));
const children: ChildProcess[] = [];
/** The API, trusting the coordinator's self-signed certificate; the CLI pins it in this test's config directory. */
const coordinatorApi = certificateFileFetch(join(dir, 'tls.crt'));
process.env['ORQUESTA_CONFIG_DIR'] = join(dir, 'cli-config');
let browser: Browser | undefined;

/** Pids of the `orquesta serve-model` processes serving checkpoints of this test. */
function modelServers(): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmdline = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return cmdline.includes('serve-model') && cmdline.includes(dir);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

function start(args: string[]): void {
  children.push(spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' }));
}

afterAll(async () => {
  await browser?.close();
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('dashboard in a browser', () => {
  it('shows a training job live: experiment, growing loss chart, rank bars, events', async () => {
    const [api, control] = [await freePort(), await freePort()];
    const url = `https://127.0.0.1:${api}`;
    // Reads are open by default (the page needs no token); submitting needs it.
    const token = randomBytes(32).toString('hex');
    writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
    process.env['ORQUESTA_TOKEN'] = token;
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
    ]);
    for (let i = 0; i < 100; i++) {
      if (
        await coordinatorApi(`${url}/api/cluster`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const id of ['d1', 'd2']) {
      const port = await freePort();
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
    const spec = join(dir, 'live.yaml');
    writeFileSync(
      spec,
      [
        'name: live-dashboard',
        'task: translation',
        'data: { train: data/spa-eng/valid.tsv.gz, valid: data/spa-eng/valid.tsv.gz, source: es, target: en, max_len: 16 }',
        'tokenizer: { kind: bpe, vocab_size: 500, shared: true }',
        'model: { d_model: 32, heads: 2, d_ff: 64, encoder_layers: 1, decoder_layers: 1, max_len: 20 }',
        'optimizer: { warmup_steps: 5 }',
        'training: { max_tokens_per_batch: 256, max_steps: 3000, log_every_steps: 5, eval_every_steps: 50 }',
        'resources: { workers: 2 }',
        `checkpoint: { every_steps: 50, dir: ${join(dir, 'runs')} }`,
      ].join('\n'),
    );
    const submitted = spawnSync(process.execPath, [BIN, 'submit', spec, '--coordinator', url], { cwd: ROOT, encoding: 'utf8' });
    expect(submitted.status, submitted.stderr).toBe(0);
    const id = submitted.stdout.trim();

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const page = await browser.newPage({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    // (The browser's own request for /favicon.ico, which the dashboard does not have, is not the page's error.)
    page.on('console', (m) => m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && consoleErrors.push(`${m.text()} ${m.location().url}`));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(url);
    const item = page.locator(`#experiments li[data-id="${id}"]`);
    await item.waitFor({ timeout: 30_000 });
    expect(await item.textContent()).toContain('live-dashboard');
    await item.click();
    await page.locator('#title').filter({ hasText: 'live-dashboard' }).waitFor({ timeout: 10_000 });

    const points = async () => Number((await page.locator('#loss-chart').getAttribute('data-points')) ?? 0);
    await page.waitForFunction(() => Number(document.querySelector('#loss-chart')?.getAttribute('data-points') ?? 0) >= 2, undefined, { timeout: 60_000 });
    const first = await points();
    await page.waitForFunction((n) => Number(document.querySelector('#loss-chart')?.getAttribute('data-points') ?? 0) > n, first, { timeout: 60_000 });
    expect(await points()).toBeGreaterThan(first);
    await page.locator('#loss-chart canvas').first().waitFor();
    await page.locator('#rank-bars [data-rank="1"]').waitFor({ timeout: 30_000 });
    // Rank 0 evaluates every 50 steps, with BLEU: its chart shows once the first evaluation is in.
    await page.locator('#bleu-chart canvas').first().waitFor({ timeout: 60_000 });
    expect(await page.locator('#rank-bars .bar-row').count()).toBe(2);
    expect(await page.locator('#events li').count()).toBeGreaterThan(1);
    expect(await page.locator('#connection').textContent()).toBe('live');
    // Goodput (productive step time / wall time) for the trial, and each rank's speed relative to the fastest.
    await page
      .locator('#trials td.goodput')
      .filter({ hasText: /^\d+\.\d %$/ })
      .waitFor({ timeout: 30_000 });
    expect(await page.locator('#goodput').textContent()).toMatch(/goodput \d+\.\d %: .*productive .* s/);
    await page.waitForFunction(() => /^\d\.\d\d$/.test(document.querySelector('#workers td.speed[data-rank="1"]')?.textContent ?? ''), undefined, {
      timeout: 30_000,
    });

    mkdirSync(SCREENSHOTS, { recursive: true });
    const shot = await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png') });
    const blankPage = await browser.newPage({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    await blankPage.setContent('<html><body style="background:#fff"></body></html>');
    const blank = await blankPage.screenshot();
    // A rendered dashboard (text, tables, two charts) compresses far worse than an empty page.
    expect(shot.length).toBeGreaterThan(blank.length * 5);

    // The model panel: the best trial's newest checkpoint translates a sentence through the coordinator's
    // model server, and its attention is drawn; hovering an output token lights up the source tokens.
    for (let i = 0; i < 150; i++) {
      const status = (await (await coordinatorApi(`${url}/api/experiments/${id}`)).json()) as { trials: { lastCheckpoint: string | null }[] };
      if (status.trials[0]?.lastCheckpoint) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await page.locator('#model-token').fill(token);
    await page.locator('#model-text').fill('El perro duerme.');
    await page.locator('#model-run').click();
    await page.locator('#attention:not([hidden])').waitFor({ timeout: 60_000 });
    const output = (await page.locator('#model-output').textContent()) ?? '';
    expect(output.length).toBeGreaterThan(0);
    expect(output).not.toBe('working…');
    expect(await page.locator('#model-error').textContent()).toBe('');
    const keys = await page.locator('#att-keys .token').count();
    expect(await page.locator('#att-keys .token').last().textContent()).toBe('</s>');
    // The heatmap: 24 px per key, and drawn (not white).
    const drawn = await page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('#att-heatmap')!;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let colored = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 250) colored++;
      return { width: canvas.width, colored };
    });
    expect(drawn.width).toBe(24 * keys);
    expect(drawn.colored).toBeGreaterThan(0);
    // tiny spec: 1 decoder layer of 2 heads of cross-attention.
    expect(await page.locator('#att-grid canvas').count()).toBe(2);
    await page.locator('#att-queries .token').first().hover();
    const lit = await page
      .locator('#att-keys .token')
      .evaluateAll((spans) => spans.filter((s) => (s as HTMLElement).style.background && (s as HTMLElement).style.background !== 'rgb(255, 255, 255)').length);
    expect(lit).toBeGreaterThan(0);
    await page.locator('#att-kind').selectOption('encoder');
    expect(await page.evaluate(() => document.querySelector<HTMLCanvasElement>('#att-heatmap')!.height)).toBe(24 * keys);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-model.png') });
    expect(consoleErrors).toEqual([]);
    spawnSync(process.execPath, [BIN, 'cancel', id, '--coordinator', url], { cwd: ROOT });

    // The coordinator killed with SIGKILL leaves no model server behind.
    expect(modelServers()).toHaveLength(1);
    children[0]!.kill('SIGKILL');
    for (let i = 0; i < 100 && modelServers().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(modelServers()).toEqual([]);
  }, 240_000);
});
