import { processIO } from './io.js';
import { run } from './program.js';

/** Process entry: parse -> run -> exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  return run(argv, processIO);
}
