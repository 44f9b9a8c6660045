import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorpusReadError, DataConfigError, MalformedLineError } from '../errors.js';
import { formatReadReport } from './malformed.js';
import { forEachPair, type TextPair } from './pair-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'orquesta-pairs-'));

function file(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

// Line 2: three columns. Line 4: invalid UTF-8. Line 5: one column. Line 6: empty Spanish side.
// Line 7: whitespace-only English side. Line 8: CRLF. Line 9: no final line break.
const MIXED = Buffer.concat([
  Buffer.from('Hello.\tHola.\n'),
  Buffer.from('Too\tmany\tcolumns\n'),
  Buffer.from('Thanks.\tGracias.\n'),
  Buffer.from([0x42, 0x61, 0x64, 0xff, 0x09, 0x4d, 0x61, 0x6c, 0x0a]),
  Buffer.from('Only one column\n'),
  Buffer.from('Empty.\t\n'),
  Buffer.from(' \t¿Nada?\n'),
  Buffer.from('Windows.\tVentanas.\r\n'),
  Buffer.from('Last.\tÚltima.'),
]);

async function readAll(path: string, malformed: 'skip' | 'fail' = 'skip') {
  const pairs: TextPair[] = [];
  const report = await forEachPair(path, { sourceColumn: 1, targetColumn: 0, malformed }, (p) => pairs.push(p));
  return { pairs, report };
}

describe('forEachPair', () => {
  it.each([
    ['plain', 'mixed.tsv', MIXED],
    ['gzip', 'mixed.tsv.gz', gzipSync(MIXED)],
    ['gzip without .gz', 'mixed.bin', gzipSync(MIXED)],
  ])('reads good pairs and reports malformed lines with line numbers (%s)', async (_kind, name, bytes) => {
    const { pairs, report } = await readAll(file(name, bytes));
    expect(pairs).toEqual([
      { line: 1, source: 'Hola.', target: 'Hello.' },
      { line: 3, source: 'Gracias.', target: 'Thanks.' },
      { line: 8, source: 'Ventanas.', target: 'Windows.' },
      { line: 9, source: 'Última.', target: 'Last.' },
    ]);
    expect(report).toMatchObject({ lines: 9, records: 4, malformed: 5, byReason: { columns: 2, utf8: 1, 'empty-side': 2 } });
    expect(report.examples).toEqual([
      { line: 2, reason: 'columns', detail: '3 columns; expected 2 (the count of the first good line)' },
      { line: 4, reason: 'utf8', detail: 'bytes are not valid UTF-8' },
      { line: 5, reason: 'columns', detail: '1 column; expected 2 (the count of the first good line)' },
      { line: 6, reason: 'empty-side', detail: 'source column 1 is empty' },
      { line: 7, reason: 'empty-side', detail: 'target column 0 is empty' },
    ]);
    expect(formatReadReport(report)).toContain('5 malformed (columns 2, utf8 1, empty-side 2); line 2 columns');
  });

  it('fails on the first malformed line under the fail policy, naming file and line', async () => {
    const path = file('fail.tsv', MIXED);
    const error = await readAll(path, 'fail').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedLineError);
    expect(error).toMatchObject({ line: 2, reason: 'columns', file: path, code: 'DATA_MALFORMED_LINE' });
    expect((error as Error).message).toBe(`${path}:2: malformed line (columns): 3 columns; expected 2 (the count of the first good line)`);
  });

  it('accepts a file whose lines all carry an extra column, and strips a BOM from line 1', async () => {
    const path = file('three.tsv', Buffer.from('\ufeffGo.\tVe.\tCC-BY #1\nRun!\tCorre.\tCC-BY #2\n'));
    const { pairs, report } = await readAll(path);
    expect(pairs.map((p) => [p.target, p.source])).toEqual([
      ['Go.', 'Ve.'],
      ['Run!', 'Corre.'],
    ]);
    expect(report.malformed).toBe(0);
  });

  it('reads an empty file as no pairs', async () => {
    expect((await readAll(file('empty.tsv', Buffer.alloc(0)))).report).toMatchObject({ lines: 0, records: 0, malformed: 0 });
  });

  it('rejects a missing file and a truncated gzip with CorpusReadError', async () => {
    await expect(readAll(join(dir, 'missing.tsv'))).rejects.toThrow(CorpusReadError);
    await expect(readAll(join(dir, 'missing.tsv'))).rejects.toThrow(/no such file/);
    const gz = gzipSync(Buffer.from('a\tb\n'.repeat(10_000)));
    await expect(readAll(file('cut.tsv.gz', gz.subarray(0, gz.length - 20)))).rejects.toThrow(CorpusReadError);
  });

  it('rejects unusable column indices', async () => {
    const path = file('cols.tsv', Buffer.from('a\tb\n'));
    await expect(forEachPair(path, { sourceColumn: 0, targetColumn: 0 }, () => undefined)).rejects.toThrow(DataConfigError);
    await expect(forEachPair(path, { sourceColumn: -1, targetColumn: 0 }, () => undefined)).rejects.toThrow(/sourceColumn/);
  });

  it('reports line numbers past many stream chunks', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => (i === 25_000 ? 'broken line' : `Sentence ${i}.\tFrase ${i}.`));
    const { report } = await readAll(file('long.tsv.gz', gzipSync(lines.join('\n') + '\n')));
    expect(report).toMatchObject({ lines: 30_000, records: 29_999, malformed: 1 });
    expect(report.examples[0]?.line).toBe(25_001);
  });
});
