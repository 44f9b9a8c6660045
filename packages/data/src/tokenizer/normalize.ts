/**
 * The one text normalisation of the pipeline: Unicode NFKC. Compatibility characters fold into
 * their plain forms (no-break space to space, ligatures to letters, superscripts to digits), and
 * accented letters are composed, so `é` is always one code point.
 */
export function normalizeText(text: string): string {
  return text.normalize('NFKC');
}
