import type { BleuScore } from './bleu-score.js';
import { formatFixed } from './python-format.js';

/** Options of {@link formatBleu}. */
export interface FormatBleuOptions {
  /** Put the signature after the name, as sacreBLEU's `Score.format(signature=...)` does: `BLEU|nrefs:1|... = ...`. */
  readonly withSignature?: boolean;
}

/**
 * The line sacreBLEU prints for a BLEU score, with its rounding (Python's, ties to even):
 * `BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)`.
 * The ratio is `sysLen / refLen`, or 0 when `refLen` is 0.
 */
export function formatBleu(result: BleuScore & { readonly signature?: string }, options: FormatBleuOptions = {}): string {
  const precisions = result.precisions.map((p) => formatFixed(p, 1)).join('/');
  const ratio = result.refLen !== 0 ? result.sysLen / result.refLen : 0;
  const name = options.withSignature && result.signature !== undefined ? `BLEU|${result.signature}` : 'BLEU';
  return (
    `${name} = ${formatFixed(result.score, 2)} ${precisions} ` +
    `(BP = ${formatFixed(result.bp, 3)} ratio = ${formatFixed(ratio, 3)} ` +
    `hyp_len = ${result.sysLen} ref_len = ${result.refLen})`
  );
}
