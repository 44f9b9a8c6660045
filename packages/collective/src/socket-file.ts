import { unlinkSync } from 'node:fs';

/**
 * Removes the file of an `ipc://PATH` endpoint this process listened on, once its socket is closed:
 * libzmq 4.3 leaves it behind. Other endpoints, and a file already gone, are left alone.
 */
export function removeSocketFile(endpoint: string): void {
  if (!endpoint.startsWith('ipc://')) return;
  try {
    unlinkSync(endpoint.slice('ipc://'.length));
  } catch {
    // already gone (a libzmq that removes it itself): nothing to clean
  }
}
