// Python's `str.split()` and `str.rstrip()` (no arguments) use `str.isspace()`, whose set
// differs from JavaScript's `\s`: it includes U+001C..U+001F and U+0085 and excludes U+FEFF.
// sacreBLEU relies on both, so the exact set is spelled out here.
const PY_WHITESPACE = '\\x09-\\x0d\\x1c-\\x1f\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const WHITESPACE_RUN = new RegExp(`[${PY_WHITESPACE}]+`, 'g');
const TRAILING_WHITESPACE = new RegExp(`[${PY_WHITESPACE}]+$`);

/** Python's `s.split()`: the non-empty runs of non-whitespace characters. */
export function pythonSplit(s: string): string[] {
  return s.split(WHITESPACE_RUN).filter((part) => part !== '');
}

/** Python's `s.rstrip()`: `s` without trailing whitespace. */
export function pythonRstrip(s: string): string {
  return s.replace(TRAILING_WHITESPACE, '');
}
