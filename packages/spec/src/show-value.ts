const LIMIT = 60;

/** Quotes a user's value for an error message, shortened so one problem stays one line. */
export function showValue(value: unknown): string {
  let text: string;
  if (value === undefined) text = 'nothing';
  else if (typeof value === 'number' && !Number.isFinite(value)) text = String(value);
  else text = JSON.stringify(value) ?? String(value);
  text = text.replace(/\s+/g, ' ');
  return text.length > LIMIT ? `${text.slice(0, LIMIT - 3)}...` : text;
}
