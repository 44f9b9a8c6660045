const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The line's text, or undefined when its bytes are not valid UTF-8. A byte-order mark is
 * removed from line 1 only (anywhere else U+FEFF is text).
 */
export function decodeLine(bytes: Uint8Array, lineNumber: number): string | undefined {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return undefined;
  }
  return lineNumber === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
