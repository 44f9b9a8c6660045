import { MalformedLineError } from '../errors.js';

/** Why a line was rejected. */
export const MALFORMED_REASONS = {
  /** Fewer columns than the spec's column indices need, or a different count than the first good line. */
  columns: 'columns',
  /** The line's bytes are not valid UTF-8. */
  utf8: 'utf8',
  /** A side that is used (source or target) is empty or only whitespace. */
  emptySide: 'empty-side',
} as const;

export type MalformedReason = (typeof MALFORMED_REASONS)[keyof typeof MALFORMED_REASONS];

/** Spec `data.malformed`: skip a malformed line and count it, or fail on the first one. */
export type MalformedPolicy = 'skip' | 'fail';

export interface MalformedLine {
  /** 1-based line number in the (decompressed) file. */
  readonly line: number;
  readonly reason: MalformedReason;
  /** What exactly is wrong, e.g. `3 columns; expected 2`. */
  readonly detail: string;
}

/** What reading one corpus file found. */
export interface ReadReport {
  readonly file: string;
  /** Lines read, malformed ones included. */
  readonly lines: number;
  /** Records passed on (pairs or text lines). */
  readonly records: number;
  /** Malformed lines, all of them (they were skipped). */
  readonly malformed: number;
  readonly byReason: Readonly<Record<MalformedReason, number>>;
  /** The first MAX_MALFORMED_EXAMPLES malformed lines, in file order. */
  readonly examples: readonly MalformedLine[];
}

/** Malformed lines listed in a report, at most; all of them are counted. */
export const MAX_MALFORMED_EXAMPLES = 100;

/** Counts malformed lines of one file and applies the policy. */
export class MalformedTally {
  private count = 0;
  private readonly byReason: Record<MalformedReason, number> = { columns: 0, utf8: 0, 'empty-side': 0 };
  private readonly examples: MalformedLine[] = [];

  constructor(
    private readonly file: string,
    private readonly policy: MalformedPolicy,
  ) {}

  /** Records a malformed line. Throws MalformedLineError under the `fail` policy. */
  add(line: number, reason: MalformedReason, detail: string): void {
    if (this.policy === 'fail') throw new MalformedLineError(this.file, line, reason, detail);
    this.count++;
    this.byReason[reason]++;
    if (this.examples.length < MAX_MALFORMED_EXAMPLES) this.examples.push({ line, reason, detail });
  }

  report(lines: number, records: number): ReadReport {
    return { file: this.file, lines, records, malformed: this.count, byReason: { ...this.byReason }, examples: [...this.examples] };
  }
}

/** One line per report: `file: N lines, K kept, M malformed (utf8 1, columns 2) e.g. line 7 columns: ...`. */
export function formatReadReport(report: ReadReport): string {
  const head = `${report.file}: ${report.lines} lines, ${report.records} kept, ${report.malformed} malformed`;
  if (report.malformed === 0) return head;
  const reasons = Object.entries(report.byReason)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const first = report.examples.slice(0, 5).map((m) => `line ${m.line} ${m.reason}: ${m.detail}`);
  return `${head} (${reasons}); ${first.join('; ')}`;
}
