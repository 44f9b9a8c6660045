/** GPU ids of this node from `nvidia-smi`, or none where it is missing or fails. */
import { execFile } from 'node:child_process';

export function detectGpus(): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader'], { timeout: 10_000 }, (error, stdout) => {
      if (error) return resolve([]);
      resolve(
        stdout
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => /^\d+$/.test(l)),
      );
    });
  });
}
