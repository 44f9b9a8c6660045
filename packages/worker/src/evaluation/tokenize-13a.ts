import { pythonSplit } from './python-whitespace.js';

// The language-dependent rules of mteval-v13a, as sacreBLEU's `TokenizerRegexp` applies them
// (in this order, each to the whole line):
// 1. pad ASCII punctuation and symbols, except apostrophe, comma, hyphen and period:
//    { | } ~  [ \ ] ^ _ `  space ! " # $ % &  ( ) * +  : ; < = > ? @  /
const PUNCTUATION = /([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40\x2f])/g;
// 2. split a period or comma from a preceding non-digit;
const PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/g;
// 3. split a period or comma from a following non-digit;
const PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/g;
// 4. split a hyphen that follows a digit.
const HYPHEN_AFTER_DIGIT = /([0-9])(-)/g;

/**
 * Tokenises one line exactly as sacreBLEU's default `13a` tokenizer (`Tokenizer13a`, which
 * mimics mteval-v13a.pl) does, and returns the tokens joined by single spaces.
 *
 * Steps: drop `<skipped>`; join hyphenated line breaks (`-\n` is removed); turn other newlines
 * into spaces; unescape `&quot;`, `&amp;`, `&lt;`, `&gt;` (in that order, one pass each); then
 * separate punctuation (see the rules above: numbers such as `3.5` and `1,000` stay whole,
 * apostrophes and hyphens inside words are kept) and collapse whitespace (Python's whitespace
 * set). Case is preserved.
 *
 * @example tokenize13a("It wasn't surprising.") === "It wasn't surprising ."
 */
export function tokenize13a(line: string): string {
  let text = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (text.includes('&')) {
    text = text.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  text = ` ${text} `
    .replace(PUNCTUATION, ' $1 ')
    .replace(PERIOD_COMMA_AFTER_NON_DIGIT, '$1 $2 ')
    .replace(PERIOD_COMMA_BEFORE_NON_DIGIT, ' $1 $2')
    .replace(HYPHEN_AFTER_DIGIT, '$1 $2 ');
  return pythonSplit(text).join(' ');
}
