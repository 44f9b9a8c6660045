/**
 * Traces: `orquesta train` with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/HTTP receiver in this
 * test. Every rank sends a span per step with a child per phase; the step spans of all ranks carry
 * the same trace id, so one step across the ranks forms one trace.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tinySpec } from './cluster-fixtures.js';
import { ROOT } from './run-cli.js';

const BIN = fileURLToPath(new URL('../../cli/bin/orquesta.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'orquesta-trace-'));
let receiver: Server | undefined;

afterAll(() => {
  receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  links?: { traceId: string; spanId: string; attributes?: OtlpSpan['attributes'] }[];
  attributes: { key: string; value: { intValue?: string | number; stringValue?: string } }[];
}

const hex = (id: string) => (/^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex'));

describe('step traces over OTLP/HTTP', () => {
  it('puts the step spans of both ranks in one trace per step, with phase children and links carried on the wire', async () => {
    const spans: OtlpSpan[] = [];
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (d) => (body += d));
      request.on('end', () => {
        if (request.url === '/v1/traces')
          for (const rs of JSON.parse(body).resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const child = spawn(process.execPath, [BIN, 'train', tinySpec(dir, 'traced', 12), '--quiet'], {
      cwd: ROOT,
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(0);
    const attr = (s: OtlpSpan, key: string) => Number(s.attributes.find((a) => a.key === key)?.value.intValue);
    const steps = spans.filter((s) => s.name === 'orquesta.train.step');
    expect(steps).toHaveLength(24);
    for (let step = 1; step <= 12; step++) {
      const both = steps.filter((s) => attr(s, 'orquesta.step') === step);
      expect(both.map((s) => attr(s, 'orquesta.rank')).sort()).toEqual([0, 1]);
      expect(hex(both[0]!.traceId)).toBe(hex(both[1]!.traceId));
    }
    expect(new Set(steps.map((s) => hex(s.traceId))).size).toBe(12);
    const first = steps[0]!;
    const phases = spans.filter((s) => s.parentSpanId && hex(s.parentSpanId) === hex(first.spanId)).map((s) => s.name);
    expect(phases).toEqual(expect.arrayContaining(['orquesta.train.compute', 'orquesta.train.all_reduce', 'orquesta.train.optimizer']));
    // One bucket for this small model: one bucket span per rank and step, under its all-reduce span.
    const allReduce = spans.find((s) => s.name === 'orquesta.train.all_reduce' && hex(s.parentSpanId ?? '') === hex(first.spanId))!;
    expect(spans.filter((s) => s.name === 'orquesta.train.all_reduce.bucket' && hex(s.parentSpanId ?? '') === hex(allReduce.spanId))).toHaveLength(1);
    expect(spans.filter((s) => s.name === 'orquesta.train.all_reduce.bucket')).toHaveLength(24);
    // Each rank's all-reduce links to its neighbour's step span of the same step, whose context came in
    // the gradient frames' headers.
    for (let step = 1; step <= 12; step++) {
      for (const rank of [0, 1]) {
        const own = steps.find((s) => attr(s, 'orquesta.step') === step && attr(s, 'orquesta.rank') === rank)!;
        const peer = steps.find((s) => attr(s, 'orquesta.step') === step && attr(s, 'orquesta.rank') === 1 - rank)!;
        const phase = spans.find((s) => s.name === 'orquesta.train.all_reduce' && hex(s.parentSpanId ?? '') === hex(own.spanId))!;
        expect((phase.links ?? []).map((l) => [hex(l.traceId), hex(l.spanId)])).toEqual([[hex(peer.traceId), hex(peer.spanId)]]);
      }
    }
  }, 120_000);
});
