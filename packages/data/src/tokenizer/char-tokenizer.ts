import { SPECIAL_IDS, SPECIAL_TOKENS } from '../special-ids.js';
import { TokenizerFileError } from '../errors.js';
import { checkVocab } from './check-vocab.js';
import { decodeIds } from './decode-ids.js';
import { encodeTokenizerJson } from './tokenizer-json.js';
import { writeTokenizerJson } from './write-tokenizer-json.js';
import { normalizeText } from './normalize.js';
import type { CharTokenizerJson, Tokenizer, TokenizerProvenance } from './tokenizer.js';

/** One token per code point of NFKC-normalised text; characters not seen when it was built become unk. */
export class CharTokenizer implements Tokenizer {
  readonly kind = 'char' as const;
  readonly vocabSize: number;
  private readonly vocab: readonly string[];
  private readonly idOf: Map<string, number>;

  /**
   * `vocab` is the full listing: the special listings, then one character per entry.
   * Throws TokenizerFileError when it is not (see `checkVocab`; an entry longer than one code point).
   */
  constructor(
    vocab: readonly string[],
    readonly provenance?: TokenizerProvenance,
  ) {
    this.idOf = checkVocab(vocab);
    for (const [token, id] of this.idOf) {
      if ([...token].length !== 1) throw new TokenizerFileError(`vocab[${id}] ${JSON.stringify(token)} is not a single character`);
    }
    this.vocab = [...vocab];
    this.vocabSize = vocab.length;
  }

  /** A tokenizer over every character of `texts` after NFKC, in code-point order. */
  static fromTexts(texts: Iterable<string>, provenance?: TokenizerProvenance): CharTokenizer {
    const set = new Set<string>();
    for (const text of texts) for (const ch of normalizeText(text)) set.add(ch);
    return CharTokenizer.fromCharacters(set, provenance);
  }

  /** A tokenizer over `characters` as given (each one code point, already normalised), in code-point order. */
  static fromCharacters(characters: Iterable<string>, provenance?: TokenizerProvenance): CharTokenizer {
    const chars = [...new Set(characters)].sort((x, y) => (x.codePointAt(0) as number) - (y.codePointAt(0) as number));
    return new CharTokenizer([...SPECIAL_TOKENS, ...chars], provenance);
  }

  encode(text: string): Int32Array {
    const out: number[] = [];
    for (const ch of normalizeText(text)) out.push(this.idOf.get(ch) ?? SPECIAL_IDS.unk);
    return Int32Array.from(out);
  }

  decode(ids: ArrayLike<number>): string {
    return decodeIds(this.vocab, ids);
  }

  idToToken(id: number): string | undefined {
    return this.vocab[id];
  }

  save(path: string): Promise<void> {
    return writeTokenizerJson(this.toJSON(), path);
  }

  toJSON(): CharTokenizerJson {
    return encodeTokenizerJson({ kind: 'char', vocab: this.vocab, provenance: this.provenance });
  }
}
