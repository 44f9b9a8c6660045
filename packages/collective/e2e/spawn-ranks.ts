import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./rank-process.mjs', import.meta.url));

export interface RankConfig {
  readonly rank: number;
  readonly worldSize: number;
  readonly endpoints: readonly string[];
  readonly timeoutMs: number;
  readonly scenario: 'battery' | 'loop';
  readonly curve?: { readonly publicKeys: readonly string[]; readonly secretKey: string };
  readonly segmentBytes?: number;
  readonly elements?: number;
  readonly sharedMemory?: 'auto' | 'off';
  /** Which ring carries float32 operations over sockets (createZmqProcessGroup's transport). */
  readonly ring?: 'auto' | 'native' | 'js';
}

/** A JSON line a rank printed, with the parent's clock when it arrived. */
export type RankLine = Record<string, unknown> & { readonly event: string; readonly receivedAt: number };

export interface RankProcess {
  readonly rank: number;
  readonly child: ChildProcess;
  readonly lines: RankLine[];
  /** Resolves with the first line whose event is `event`; rejects, naming the rank, its lines and its stderr, when the process ends without one. */
  next(event: string): Promise<RankLine>;
  /** Resolves once the process exited and its output was read: exit code (null when killed), signal, the parent's clock. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number; stderr: string }>;
}

/** Spawns one process per config; every process is killed after `limitMs` if still running. */
export function spawnRanks(configs: readonly RankConfig[], limitMs = 25_000): RankProcess[] {
  return configs.map((config) => {
    const child = spawn(process.execPath, [SCRIPT, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: RankLine[] = [];
    const waiters: { event: string; resolve: (l: RankLine) => void; reject: (e: Error) => void }[] = [];
    let buffered = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = { ...(JSON.parse(buffered.slice(0, nl)) as { event: string }), receivedAt: Date.now() };
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        for (const w of waiters.filter((x) => x.event === line.event)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number; stderr: string }>((resolve) =>
      child.on('close', (code, signal) => {
        clearTimeout(limit);
        for (const w of waiters.splice(0)) {
          const seen = lines.map((l) => JSON.stringify(l).slice(0, 300)).join('\n');
          w.reject(new Error(`rank ${config.rank} ended (code ${code}, signal ${signal}) without '${w.event}'; its lines:\n${seen}\nstderr:\n${stderr}`));
        }
        resolve({ code, signal, at: Date.now(), stderr });
      }),
    );
    const next = (event: string): Promise<RankLine> => {
      const seen = lines.find((l) => l.event === event);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => waiters.push({ event, resolve, reject }));
    };
    return { rank: config.rank, child, lines, next, exited };
  });
}

export function decodeFloats(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
