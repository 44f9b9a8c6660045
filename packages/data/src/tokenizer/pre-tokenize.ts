/**
 * Splits normalised text into the pieces BPE merges within (merges never cross a piece). The
 * split is lossless: the pieces concatenate back to the input. Pieces are
 *   - a run of letters and combining marks, with at most one leading space,
 *   - a run of digits, with at most one leading space,
 *   - a run of other non-space characters (punctuation, symbols), with at most one leading space,
 *   - a run of whitespace: all but the last space of a run that precedes a word, or a whole
 *     trailing or non-space whitespace run (tabs, newlines).
 * So `¿Tienes  alguna?` splits into `¿`, `Tienes`, ` `, ` alguna`, `?`.
 */
const PIECE = / ?[\p{L}\p{M}]+| ?\p{N}+| ?[^\s\p{L}\p{M}\p{N}]+|\s+(?!\S)|\s+/gu;

/** The pieces of `text`, in order. */
export function preTokenize(text: string): string[] {
  return text.match(PIECE) ?? [];
}
