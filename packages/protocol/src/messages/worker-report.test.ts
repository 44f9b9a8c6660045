import { describe, expect, it } from 'vitest';
import { formatWorkerReport, parseWorkerReport, type WorkerReport } from './worker-report.js';

describe('worker reports', () => {
  it('round-trip through one line of JSON', () => {
    const report: WorkerReport = { v: 1, type: 'checkpoint', step: 40, path: 'runs/x/step-00000040' };
    const line = formatWorkerReport(report);
    expect(line).not.toContain('\n');
    expect(parseWorkerReport(line)).toEqual(report);
  });

  it.each([
    ['ordinary log output', 'loading data...'],
    ['malformed JSON', '{"v":1,"type":"done"'],
    ['another version', '{"v":2,"type":"done","step":1,"reason":"max_steps"}'],
    ['an unknown type', '{"v":1,"type":"reboot"}'],
    ['a JSON array', '[1,2,3]'],
  ])('ignore %s', (_what, line) => {
    expect(parseWorkerReport(line)).toBeUndefined();
  });
});
