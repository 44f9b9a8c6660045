/**
 * Byte-pair-encoding training on a table of word counts (Sennrich et al. 2016), over code points.
 *   1. Count characters; the alphabet is every character, or the most frequent ones when the
 *      vocabulary cannot hold them all (ties by code point). Ids: specials, then the alphabet in
 *      code-point order, then merged tokens in the order they were learned.
 *   2. Spell every word as alphabet ids (-1 for a character left out: no pair spans it) and count
 *      every adjacent pair, weighted by the word's count; remember which words hold each pair.
 *   3. Repeatedly take the most frequent pair (ties: lower left id, then lower right id), stop
 *      when the vocabulary is full or no pair occurs `minPairCount` times.
 *   4. Rewrite each word holding the pair left to right, merging non-overlapping occurrences;
 *      subtract the word's old pairs and add its new ones. A merge whose text is already a token
 *      reuses that token's id, so token texts are unique.
 * Counts only change by step 4, and ties are broken by ids, so the merges depend only on the
 * multiset of words: same corpus, same merges.
 */
import { SPECIAL_COUNT, SPECIAL_TOKENS } from '../special-ids.js';
import { PairHeap } from './pair-heap.js';

/** Pair key = left * KEY_BASE + right; ids stay below 2^21 (the schema caps vocab_size at 10^6). */
const KEY_BASE = 2 ** 21;

export interface LearnMergesOptions {
  /** Vocabulary size in tokens, special tokens included. At least SPECIAL_COUNT + 1. */
  readonly vocabSize: number;
  /** Fewest occurrences of a pair worth a merge. Default 2. */
  readonly minPairCount?: number;
}

export interface LearnedMerges {
  /** Token text by id (specials first). Length <= vocabSize. */
  readonly vocab: string[];
  /** [left id, right id] in learning order. */
  readonly merges: [number, number][];
}

/** Learns merges from `words` (word text -> occurrences). Pure; see the file comment. */
export function learnMerges(words: ReadonlyMap<string, number>, options: LearnMergesOptions): LearnedMerges {
  const { vocabSize } = options;
  const minPairCount = options.minPairCount ?? 2;
  const alphabet = chooseAlphabet(words, vocabSize - SPECIAL_COUNT);
  const vocab = [...SPECIAL_TOKENS, ...alphabet];
  const idOf = new Map<string, number>(alphabet.map((ch, i) => [ch, SPECIAL_COUNT + i]));

  const spelled: Int32Array[] = [];
  const freq: number[] = [];
  for (const [word, count] of words) {
    const ids: number[] = [];
    for (const ch of word) ids.push(idOf.get(ch) ?? -1);
    spelled.push(Int32Array.from(ids));
    freq.push(count);
  }

  const pairCount = new Map<number, number>();
  const holders = new Map<number, number[]>();
  const addPairs = (w: number, ids: Int32Array, sign: number, track: number): void => {
    const f = sign * (freq[w] as number);
    for (let i = 0; i + 1 < ids.length; i++) {
      const a = ids[i] as number;
      const b = ids[i + 1] as number;
      if (a < 0 || b < 0) continue;
      const key = a * KEY_BASE + b;
      pairCount.set(key, (pairCount.get(key) ?? 0) + f);
      if (sign > 0 && (track < 0 || a === track || b === track)) {
        const list = holders.get(key);
        if (list === undefined) holders.set(key, [w]);
        else if (list[list.length - 1] !== w) list.push(w);
      }
    }
  };
  for (let w = 0; w < spelled.length; w++) addPairs(w, spelled[w] as Int32Array, 1, -1);

  const heap = new PairHeap();
  for (const [key, count] of pairCount) heap.push(count, key);

  const merges: [number, number][] = [];
  const visited = new Int32Array(spelled.length).fill(-1);
  while (vocab.length < vocabSize) {
    const top = heap.pop();
    if (top === undefined) break;
    const current = pairCount.get(top.key) ?? 0;
    if (current !== top.count) {
      if (current > 0 && current < top.count) heap.push(current, top.key);
      continue;
    }
    if (current < minPairCount) break;
    const a = Math.floor(top.key / KEY_BASE);
    const b = top.key % KEY_BASE;
    const text = (vocab[a] as string) + (vocab[b] as string);
    let merged = idOf.get(text);
    if (merged === undefined) {
      merged = vocab.length;
      vocab.push(text);
      idOf.set(text, merged);
    }
    const round = merges.length;
    merges.push([a, b]);
    const touched = new Set<number>();
    for (const w of holders.get(top.key) ?? []) {
      if (visited[w] === round) continue;
      visited[w] = round;
      const old = spelled[w] as Int32Array;
      const next = mergePair(old, a, b, merged);
      if (next === old) continue;
      addPairs(w, old, -1, -1);
      addPairs(w, next, 1, merged);
      spelled[w] = next;
      for (let i = 0; i + 1 < next.length; i++) {
        if (next[i] === merged || next[i + 1] === merged) {
          const l = next[i] as number;
          const r = next[i + 1] as number;
          if (l >= 0 && r >= 0) touched.add(l * KEY_BASE + r);
        }
      }
    }
    pairCount.delete(top.key);
    holders.delete(top.key);
    for (const key of touched) {
      const count = pairCount.get(key) ?? 0;
      if (count > 0) heap.push(count, key);
    }
  }
  return { vocab, merges };
}

/** `ids` with every non-overlapping (a, b), left to right, replaced by `merged`; `ids` itself when there is none. */
export function mergePair(ids: Int32Array, a: number, b: number, merged: number): Int32Array {
  let found = false;
  for (let i = 0; i + 1 < ids.length; i++) {
    if (ids[i] === a && ids[i + 1] === b) {
      found = true;
      break;
    }
  }
  if (!found) return ids;
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
      out.push(merged);
      i++;
    } else {
      out.push(ids[i] as number);
    }
  }
  return Int32Array.from(out);
}

/** The alphabet in code-point order: all characters, or the `room` most frequent ones. */
function chooseAlphabet(words: ReadonlyMap<string, number>, room: number): string[] {
  const charCount = new Map<string, number>();
  for (const [word, count] of words) {
    for (const ch of word) charCount.set(ch, (charCount.get(ch) ?? 0) + count);
  }
  let chars = [...charCount.keys()];
  if (chars.length > room) {
    chars.sort((x, y) => (charCount.get(y) as number) - (charCount.get(x) as number) || byCodePoint(x, y));
    chars = chars.slice(0, Math.max(0, room));
  }
  return chars.sort(byCodePoint);
}

function byCodePoint(x: string, y: string): number {
  return (x.codePointAt(0) as number) - (y.codePointAt(0) as number);
}
