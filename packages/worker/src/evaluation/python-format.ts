/**
 * Python's `f'{value:.{digits}f}'`: fixed-point with `digits` decimals, rounding the exact binary
 * value to nearest with ties to even. `Number.prototype.toFixed` rounds exact ties away from zero
 * (`(0.125).toFixed(2)` is `'0.13'`, Python prints `'0.12'`), so ties are settled here.
 * Python's spellings `nan`, `inf` and `-inf` are kept, and so is the sign of `-0`.
 *
 * @throws RangeError when `digits` is not an integer in 0..20 or `|value| >= 1e21`.
 */
export function formatFixed(value: number, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) {
    throw new RangeError(`formatFixed: digits must be an integer in 0..20, got ${digits}`);
  }
  if (Number.isNaN(value)) return 'nan';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  const magnitude = Math.abs(value);
  if (magnitude === Infinity) return `${sign}inf`;
  if (magnitude >= 1e21) throw new RangeError(`formatFixed: |value| >= 1e21 is not supported, got ${value}`);

  const rounded = magnitude.toFixed(digits);
  // A double within reach of a tie at <= 20 decimals is a multiple of 2^-120, so when it is not
  // exactly the tie it differs from it by at least 2^-121 * 1e-20 (about 4e-57): 100 decimals
  // always tell an exact tie from a near one.
  const exact = magnitude.toFixed(100);
  const point = exact.indexOf('.');
  const dropped = exact.slice(point + 1 + digits);
  const isTie = dropped === '5' + '0'.repeat(dropped.length - 1);
  if (!isTie) return sign + rounded;

  const truncated = digits === 0 ? exact.slice(0, point) : exact.slice(0, point + 1 + digits);
  const lastDigit = Number(truncated.at(-1));
  return sign + (lastDigit % 2 === 0 ? truncated : rounded);
}
