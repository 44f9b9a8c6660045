import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MalformedLineError } from '../errors.js';
import { forEachTextLine, type TextLine } from './text-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'orquesta-text-'));

describe('forEachTextLine', () => {
  it('passes empty lines on, marks an unterminated last line, and skips invalid UTF-8 with its line number', async () => {
    const path = join(dir, 'text.txt');
    writeFileSync(path, Buffer.concat([Buffer.from('First Citizen:\n\nBefore we proceed\n'), Buffer.from([0xc3, 0x28, 0x0a]), Buffer.from('end')]));
    const lines: TextLine[] = [];
    const report = await forEachTextLine(path, {}, (l) => lines.push(l));
    expect(lines).toEqual([
      { line: 1, text: 'First Citizen:', terminated: true },
      { line: 2, text: '', terminated: true },
      { line: 3, text: 'Before we proceed', terminated: true },
      { line: 5, text: 'end', terminated: false },
    ]);
    expect(report).toMatchObject({ lines: 5, records: 4, malformed: 1, examples: [{ line: 4, reason: 'utf8' }] });
    await expect(forEachTextLine(path, { malformed: 'fail' }, () => undefined)).rejects.toThrow(MalformedLineError);
    await expect(forEachTextLine(path, { malformed: 'fail' }, () => undefined)).rejects.toMatchObject({ line: 4 });
  });
});

describe('forEachTextLine with a failing visitor', () => {
  it('propagates the visitor error unchanged and can read the file again', async () => {
    const path = join(dir, 'visitor.txt');
    writeFileSync(path, 'a\nb\nc\n');
    const boom = new Error('stop at b');
    await expect(
      forEachTextLine(path, {}, (l) => {
        if (l.text === 'b') throw boom;
      }),
    ).rejects.toBe(boom);
    expect((await forEachTextLine(path, {}, () => undefined)).records).toBe(3);
  });
});
