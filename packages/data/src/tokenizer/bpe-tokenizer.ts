/**
 * Encoding with learned merges, as in training:
 *   1. NFKC-normalise, split into pieces (pre-tokenize); a piece's ids come from a cache when seen before.
 *   2. Spell the piece as character ids (unk for a character outside the vocabulary).
 *   3. Repeatedly merge every occurrence, left to right, of the adjacent pair with the lowest
 *      merge rank, until no adjacent pair has a merge.
 * Token texts concatenate to the piece, so decoding is concatenation.
 */
import { TokenizerFileError } from '../errors.js';
import { SPECIAL_COUNT, SPECIAL_IDS } from '../special-ids.js';
import { decodeIds } from './decode-ids.js';
import { encodeTokenizerJson } from './tokenizer-json.js';
import { writeTokenizerJson } from './write-tokenizer-json.js';
import { mergePair } from './learn-merges.js';
import { normalizeText } from './normalize.js';
import { preTokenize } from './pre-tokenize.js';
import { checkVocab } from './check-vocab.js';
import type { BpeTokenizerJson, Tokenizer, TokenizerProvenance } from './tokenizer.js';

const KEY_BASE = 2 ** 21;
/** Pieces kept in the encode cache before it is cleared, in entries. */
const CACHE_LIMIT = 200_000;

export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe' as const;
  readonly vocabSize: number;
  private readonly vocab: readonly string[];
  private readonly merges: readonly (readonly [number, number])[];
  private readonly charId = new Map<string, number>();
  /** Pair key -> merge rank. */
  private readonly rank = new Map<number, number>();
  /** Merge rank -> id of the merged token. */
  private readonly mergedId: Int32Array;
  private readonly cache = new Map<string, Int32Array>();

  /**
   * Builds a tokenizer from a vocabulary and its merges (as `learnMerges` returns them).
   * Throws TokenizerFileError when they are inconsistent (see `checkVocab`, and a merge whose
   * ids are out of range or special, or whose text is not in the vocabulary).
   */
  constructor(
    vocab: readonly string[],
    merges: readonly (readonly [number, number])[],
    readonly provenance?: TokenizerProvenance,
  ) {
    const idOf = checkVocab(vocab);
    this.vocab = [...vocab];
    this.vocabSize = vocab.length;
    for (const [token, id] of idOf) if ([...token].length === 1) this.charId.set(token, id);
    this.mergedId = new Int32Array(merges.length);
    const valid = (id: unknown): id is number => Number.isInteger(id) && (id as number) >= SPECIAL_COUNT && (id as number) < vocab.length;
    merges.forEach((pair, r) => {
      if (!Array.isArray(pair) || pair.length !== 2 || !valid(pair[0]) || !valid(pair[1])) {
        throw new TokenizerFileError(`merge ${r} is ${JSON.stringify(pair)}; expected two non-special ids below ${vocab.length}`);
      }
      const [a, b] = pair;
      const merged = idOf.get((vocab[a] as string) + (vocab[b] as string));
      if (merged === undefined) throw new TokenizerFileError(`merge ${r} (${a}, ${b}) makes a token that is not in the vocabulary`);
      const key = a * KEY_BASE + b;
      if (!this.rank.has(key)) this.rank.set(key, r);
      this.mergedId[r] = merged;
    });
    this.merges = merges.map(([a, b]) => [a, b] as const);
  }

  encode(text: string): Int32Array {
    const out: number[] = [];
    for (const piece of preTokenize(normalizeText(text))) {
      for (const id of this.encodePiece(piece)) out.push(id);
    }
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

  toJSON(): BpeTokenizerJson {
    return encodeTokenizerJson({ kind: 'bpe', vocab: this.vocab, merges: this.merges, provenance: this.provenance });
  }

  private encodePiece(piece: string): Int32Array {
    const hit = this.cache.get(piece);
    if (hit !== undefined) return hit;
    const spelled: number[] = [];
    for (const ch of piece) spelled.push(this.charId.get(ch) ?? SPECIAL_IDS.unk);
    let ids: Int32Array = Int32Array.from(spelled);
    for (;;) {
      let best = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.rank.get((ids[i] as number) * KEY_BASE + (ids[i + 1] as number));
        if (r !== undefined && (best < 0 || r < best)) best = r;
      }
      if (best < 0) break;
      const [a, b] = this.merges[best] as readonly [number, number];
      ids = mergePair(ids, a, b, this.mergedId[best] as number);
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(piece, ids);
    return ids;
  }
}
