import { closest, distance } from 'fastest-levenshtein';

/**
 * Suggests the known name closest to a misspelt one, or nothing when none is close enough
 * (edit distance at most a third of the word, and at least 2).
 */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(word, [...known]);
  const budget = Math.max(2, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  if (best.toLowerCase() === lower) return best;
  return distance(lower, best.toLowerCase()) <= budget ? best : undefined;
}

/** `; did you mean "x"?` or the empty string. */
export function suggestion(word: string, known: readonly string[]): string {
  const best = didYouMean(word, known);
  return best === undefined ? '' : `; did you mean "${best}"?`;
}
