/** Rank processes of the `orquesta bench` commands: started together, each answering with one JSON line. */
import { spawn, type ChildProcess } from 'node:child_process';

/** One rank process: how messages name it, and the command line and environment that run it. */
export interface RankProcess {
  readonly name: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Starts every process at once and resolves with the JSON each prints as its last line of stdout, in
 * the order given. When one fails (exits non-zero, cannot start, or prints no JSON), the others are
 * killed and the promise rejects with an Error naming it and quoting the end of its stderr.
 */
export async function runRankProcesses<R>(ranks: readonly RankProcess[]): Promise<R[]> {
  const children: ChildProcess[] = [];
  const runs = ranks.map(
    (rank) =>
      new Promise<R>((resolve, reject) => {
        const child = spawn(rank.file, [...rank.args], { stdio: ['ignore', 'pipe', 'pipe'], env: rank.env });
        children.push(child);
        let out = '';
        let err = '';
        child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
        child.on('error', reject);
        child.on('close', (code, signal) => {
          if (code !== 0) return reject(new Error(`${rank.name} exited with ${code ?? signal}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
          try {
            resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as R);
          } catch (error) {
            reject(new Error(`${rank.name} printed no result: ${out.trim()} ${err.trim()}`, { cause: error }));
          }
        });
      }),
  );
  try {
    return await Promise.all(runs);
  } catch (error) {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.allSettled(runs);
    throw error;
  }
}
