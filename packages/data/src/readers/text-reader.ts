import { decodeLine } from './decode-line.js';
import { readLines } from './line-reader.js';
import { MalformedTally, type MalformedPolicy, type ReadReport } from './malformed.js';

export interface TextLine {
  /** 1-based line number in the file. */
  readonly line: number;
  /** The line's text without its line break. Empty lines are text too. */
  readonly text: string;
  /** False only for a last line that has no line break after it. */
  readonly terminated: boolean;
}

/**
 * Calls `visit` for each line of a plain-text file (plain or gzip) in order, and resolves with
 * the read report. The only malformed line is one that is not valid UTF-8. Rejects with
 * CorpusReadError (I/O) or MalformedLineError (`fail` policy); an error thrown by `visit`
 * propagates unchanged.
 */
export async function forEachTextLine(file: string, options: { readonly malformed?: MalformedPolicy }, visit: (line: TextLine) => void): Promise<ReadReport> {
  const tally = new MalformedTally(file, options.malformed ?? 'skip');
  let lines = 0;
  let records = 0;
  for await (const raw of readLines(file)) {
    lines = raw.number;
    const text = decodeLine(raw.bytes, raw.number);
    if (text === undefined) {
      tally.add(raw.number, 'utf8', 'bytes are not valid UTF-8');
      continue;
    }
    records++;
    visit({ line: raw.number, text, terminated: raw.terminated });
  }
  return tally.report(lines, records);
}
