import { describe, expect, it } from 'vitest';
import { tokenize13a } from './tokenize-13a.js';

describe('tokenize13a', () => {
  // Published: sbintuitions/flexeval tests/core/metric/tokenizer/test_sacrebleu_tokenizer.py
  // (sacreBLEU's 13a tokenizer gives ["I'm", "a", "student", "."]).
  it('splits a final period and keeps apostrophes inside words', () => {
    expect(tokenize13a("I'm a student.")).toBe("I'm a student .");
    expect(tokenize13a("It wasn't surprising.")).toBe("It wasn't surprising .");
  });

  // The expectations below follow the four mteval-v13a rules of sacreBLEU's
  // sacrebleu/tokenizers/tokenizer_re.py (mjpost/sacrebleu) applied by hand.
  it('separates periods and commas except between digits', () => {
    expect(tokenize13a('Hello, world.')).toBe('Hello , world .');
    expect(tokenize13a('3.5')).toBe('3.5');
    expect(tokenize13a('1,000')).toBe('1,000');
    expect(tokenize13a('1,000.')).toBe('1,000 .');
    expect(tokenize13a('1,2,3 and 4.5.6')).toBe('1,2,3 and 4.5.6');
    expect(tokenize13a('a,b,c')).toBe('a , b , c');
    // A period before a digit but after a non-digit is split: rule 2 fires on " .".
    expect(tokenize13a('.5')).toBe('. 5');
    expect(tokenize13a('e.g., U.S.')).toBe('e . g . , U . S .');
  });

  it('pads symbols and brackets, currency and percent included', () => {
    expect(tokenize13a('It costs $3.50.')).toBe('It costs $ 3.50 .');
    expect(tokenize13a('3.5%')).toBe('3.5 %');
    expect(tokenize13a('foo_bar (baz) [q] {r} a/b a:b @x #y')).toBe('foo _ bar ( baz ) [ q ] { r } a / b a : b @ x # y');
    expect(tokenize13a("Don't stop!")).toBe("Don't stop !");
  });

  it('splits quotes, and unescapes &quot; &amp; &lt; &gt; once, in that order', () => {
    expect(tokenize13a('"Quoted," she said.')).toBe('" Quoted , " she said .');
    expect(tokenize13a('He said &quot;yes&quot; &amp; left')).toBe('He said " yes " & left');
    expect(tokenize13a('a &lt;b&gt; c')).toBe('a < b > c');
    // &amp; is unescaped after &quot;, so "&amp;quot;" becomes the literal text "&quot;".
    expect(tokenize13a('&amp;quot;')).toBe('& quot ;');
  });

  it('splits a hyphen only after a digit', () => {
    expect(tokenize13a('The 1990-2000 period')).toBe('The 1990 - 2000 period');
    expect(tokenize13a('well-known x-ray -5')).toBe('well-known x-ray -5');
  });

  it('drops <skipped>, joins hyphenated line breaks and turns newlines into spaces', () => {
    expect(tokenize13a('<skipped> fine')).toBe('fine');
    expect(tokenize13a('state-\nof-the-art')).toBe('stateof-the-art');
    expect(tokenize13a('line one\nline two')).toBe('line one line two');
  });

  it("collapses Python's whitespace set, not JavaScript's", () => {
    expect(tokenize13a('  spaced\t\tout  ')).toBe('spaced out');
    expect(tokenize13a('')).toBe('');
    // U+001F and U+0085 are whitespace to Python's str.split; U+FEFF is not.
    expect(tokenize13a('a\u001fb\u0085c')).toBe('a b c');
    expect(tokenize13a('a\ufeffb')).toBe('a\ufeffb');
  });

  it('is case-sensitive and leaves non-ASCII letters alone', () => {
    expect(tokenize13a('Zahăr ALB, zahăr alb.')).toBe('Zahăr ALB , zahăr alb .');
  });
});
