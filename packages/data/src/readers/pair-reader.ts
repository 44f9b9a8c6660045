/**
 * Streams the sentence pairs of a tab-separated file.
 *   1. Read lines (plain or gzip); decode each as strict UTF-8.
 *   2. Split at tabs. The first line with enough columns for both column indices fixes the
 *      column count; a line with another count is malformed (so a stray tab inside a sentence is
 *      caught, and files with an extra attribution column still read).
 *   3. Reject a pair whose source or target is empty or only whitespace.
 *   4. Pass good pairs to the visitor; count bad lines under the malformed policy.
 */
import { DataConfigError } from '../errors.js';
import { decodeLine } from './decode-line.js';
import { readLines } from './line-reader.js';
import { MalformedTally, type MalformedPolicy, type ReadReport } from './malformed.js';

export interface PairReadOptions {
  /** 0-based column of the source sentence. */
  readonly sourceColumn: number;
  /** 0-based column of the target sentence. */
  readonly targetColumn: number;
  /** Malformed-line policy. Default `skip`. */
  readonly malformed?: MalformedPolicy;
}

export interface TextPair {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly source: string;
  readonly target: string;
}

const BLANK = /^\s*$/;

/**
 * Calls `visit` for each well-formed pair, in file order, and resolves with the read report.
 * Rejects with CorpusReadError (I/O), MalformedLineError (`fail` policy) or DataConfigError
 * (bad column indices); an error thrown by `visit` propagates unchanged.
 */
export async function forEachPair(file: string, options: PairReadOptions, visit: (pair: TextPair) => void): Promise<ReadReport> {
  const { sourceColumn, targetColumn } = options;
  for (const [field, value] of [
    ['sourceColumn', sourceColumn],
    ['targetColumn', targetColumn],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) throw new DataConfigError(field, `${value} is not a column index (an integer >= 0)`);
  }
  if (sourceColumn === targetColumn) throw new DataConfigError('targetColumn', `source and target are both column ${sourceColumn}`);
  const needed = Math.max(sourceColumn, targetColumn) + 1;
  const tally = new MalformedTally(file, options.malformed ?? 'skip');
  let columns = 0;
  let lines = 0;
  let records = 0;
  for await (const raw of readLines(file)) {
    lines = raw.number;
    const text = decodeLine(raw.bytes, raw.number);
    if (text === undefined) {
      tally.add(raw.number, 'utf8', 'bytes are not valid UTF-8');
      continue;
    }
    const fields = text.split('\t');
    if (fields.length < needed || (columns > 0 && fields.length !== columns)) {
      const expected = columns > 0 ? `${columns} (the count of the first good line)` : `at least ${needed}`;
      tally.add(raw.number, 'columns', `${fields.length} column${fields.length === 1 ? '' : 's'}; expected ${expected}`);
      continue;
    }
    if (columns === 0) columns = fields.length;
    const source = fields[sourceColumn] as string;
    const target = fields[targetColumn] as string;
    if (BLANK.test(source) || BLANK.test(target)) {
      const side = BLANK.test(source) ? `source column ${sourceColumn}` : `target column ${targetColumn}`;
      tally.add(raw.number, 'empty-side', `${side} is empty`);
      continue;
    }
    records++;
    visit({ line: raw.number, source, target });
  }
  return tally.report(lines, records);
}
