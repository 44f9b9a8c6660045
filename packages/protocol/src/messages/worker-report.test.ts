import { describe, expect, it } from 'vitest';
import { decodeControlMessage, encodeControlMessage } from './control.js';
import { formatWorkerReport, parseWorkerReport, WORKER_REPORT, type WorkerReport } from './worker-report.js';

const seconds = { data: 0.01, compute: 0.5, allReduce: 0.1, optimizer: 0.02 };

/** One report of every type, with the optional fields senders add. */
const reports: WorkerReport[] = [
  {
    v: 1,
    type: 'started',
    rank: 0,
    worldSize: 2,
    backend: 'wasm',
    parameters: 1_234_567,
    resumedFrom: null,
    maxSteps: 100,
    dataSummary: ['train: 1000 pairs'],
  },
  {
    v: 1,
    type: 'progress',
    step: 10,
    maxSteps: 100,
    loss: 2.5,
    lr: 7e-4,
    gradNorm: 1.25,
    tokensPerSecond: 900.5,
    seconds,
    memory: { rss: 512_000_000, tensors: 64_000_000 },
    allReduceBytes: 4_000_000,
  },
  { v: 1, type: 'timing', rank: 1, step: 10, seconds, memory: { rss: 1, tensors: 0 }, allReduceBytes: 0 },
  { v: 1, type: 'evaluation', step: 20, loss: 2.1, perplexity: 8.17, tokens: 5000, bleu: 12.5, bleuSentences: 100 },
  { v: 1, type: 'checkpoint', step: 40, path: 'runs/x/step-00000040' },
  { v: 1, type: 'done', step: 100, reason: 'stopped' },
  { v: 1, type: 'failed', rank: -1, error: 'WorkerConfigError', message: 'RANK must be a non-negative integer' },
  { v: 1, type: 'regroup', rank: 1, generation: 2, holds: true, step: 651 },
  { v: 1, type: 'recovered', generation: 2, step: 651, source: 0, replaced: [1], seconds: 1.7 },
];

describe('worker reports', () => {
  it('has an example of every report type', () => {
    expect(new Set(reports.map((r) => r.type))).toEqual(new Set(Object.values(WORKER_REPORT)));
  });

  it.each(reports.map((r) => [r.type, r] as const))('%s round-trips through one line of JSON', (_type, report) => {
    const line = formatWorkerReport(report);
    expect(line).not.toContain('\n');
    expect(parseWorkerReport(line)).toEqual(report);
  });

  it('passes fields it does not know through (the trainer reports idle seconds too)', () => {
    const line =
      '{"v":1,"type":"progress","step":1,"maxSteps":2,"loss":3,"lr":0.1,"gradNorm":1,"tokensPerSecond":10,"seconds":{"data":0,"compute":1,"allReduce":0,"optimizer":0,"idle":0.5}}';
    expect(parseWorkerReport(line)).toEqual(JSON.parse(line));
  });

  it.each([
    ['ordinary log output', 'loading data...'],
    ['malformed JSON', '{"v":1,"type":"done"'],
    ['another version', '{"v":2,"type":"done","step":1,"reason":"max_steps"}'],
    ['an unknown type', '{"v":1,"type":"reboot"}'],
    ['a JSON array', '[1,2,3]'],
    ['a missing field', '{"v":1,"type":"checkpoint","step":40}'],
    ['a step that is a string', '{"v":1,"type":"checkpoint","step":"40","path":"p"}'],
    ['a fractional step', '{"v":1,"type":"done","step":1.5,"reason":"max_steps"}'],
    ['an unknown done reason', '{"v":1,"type":"done","step":1,"reason":"bored"}'],
    ['a loss that is not a number', '{"v":1,"type":"evaluation","step":1,"loss":null,"perplexity":1,"tokens":1}'],
    ['memory that is not bytes', `{"v":1,"type":"timing","rank":1,"step":1,"seconds":${JSON.stringify(seconds)},"memory":{"rss":"1 GB","tensors":0}}`],
  ])('ignore %s', (_what, line) => {
    expect(parseWorkerReport(line)).toBeUndefined();
  });

  it('rejects a mistyped field both as a stdout line and inside a worker-report control message', () => {
    const report = { v: 1, type: 'started', rank: 0, worldSize: '2', backend: 'wasm', parameters: 1, resumedFrom: null, maxSteps: 100, dataSummary: [] };
    expect(parseWorkerReport(JSON.stringify(report))).toBeUndefined();
    const frame = encodeControlMessage({ v: 1, type: 'worker-report', run: 't1.a0', rank: 0, report: report as unknown as WorkerReport });
    expect(() => decodeControlMessage(frame)).toThrow('worker-report.report.worldSize must be a non-negative integer, not "2"');
  });
});
