/**
 * Serving from the coordinator: `POST /api/experiments/:id/translate` (or `/generate`) goes to an
 * `orquesta serve-model` process on the checkpoint asked for, started on the first request for it
 * and stopped after `idleMs` without one; the model server batches concurrent requests. Processes
 * are behind a ModelServerLauncher so tests need none.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running model server: where it listens and the token its POSTs need. */
export interface ModelServer {
  readonly url: string;
  readonly token: string;
  stop(): void;
}

/** Starts a model server on a checkpoint directory. @throws {Error} it could not start (its stderr's last line). */
export interface ModelServerLauncher {
  start(checkpoint: string): Promise<ModelServer>;
}

export class ModelServers {
  private readonly servers = new Map<string, { server: Promise<ModelServer>; lastUsed: number }>();
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(
    private readonly launcher: ModelServerLauncher,
    private readonly idleMs = 600_000,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(idleMs, 60_000));
    this.sweeper.unref();
  }

  /** The server of `checkpoint`, started if none runs. @throws {Error} it could not start. */
  async forCheckpoint(checkpoint: string): Promise<ModelServer> {
    let entry = this.servers.get(checkpoint);
    if (entry === undefined) {
      entry = { server: this.launcher.start(checkpoint), lastUsed: this.now() };
      this.servers.set(checkpoint, entry);
      // A server that failed to start is forgotten: the next request tries again.
      entry.server.catch(() => this.servers.delete(checkpoint));
    }
    entry.lastUsed = this.now();
    return entry.server;
  }

  /** Stops the servers idle for idleMs. */
  sweep(): void {
    for (const [checkpoint, entry] of this.servers)
      if (this.now() - entry.lastUsed >= this.idleMs) {
        this.servers.delete(checkpoint);
        void entry.server.then(
          (s) => s.stop(),
          () => undefined,
        );
      }
  }

  get running(): number {
    return this.servers.size;
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const entry of this.servers.values())
      void entry.server.then(
        (s) => s.stop(),
        () => undefined,
      );
    this.servers.clear();
  }
}

/** Model servers as `orquesta serve-model` processes of the CLI at `cli` (its bin script), each with its own token. */
export function processLauncher(cli: string, startTimeoutMs = 120_000): ModelServerLauncher {
  return {
    start: (checkpoint) =>
      new Promise((resolve, reject) => {
        const dir = mkdtempSync(join(tmpdir(), 'orquesta-model-server-'));
        const tokenFile = join(dir, 'token');
        const child = spawn(process.execPath, [cli, 'serve-model', '--checkpoint', checkpoint, '--port', '0', '--token-file', tokenFile], {
          // The IPC channel closes when this process ends, even by SIGKILL: the model server then stops.
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        });
        let err = '';
        const timer = setTimeout(() => child.kill('SIGKILL'), startTimeoutMs);
        const stop = () => {
          child.kill('SIGTERM');
          rmSync(dir, { recursive: true, force: true });
        };
        child.stderr?.on('data', (chunk: Buffer) => {
          err += chunk.toString();
          const listening = / at (http:\/\/[^\s:]+:\d+):/.exec(err);
          if (listening) {
            clearTimeout(timer);
            resolve({ url: listening[1] as string, token: readFileSync(tokenFile, 'utf8').trim(), stop });
          }
        });
        child.on('exit', (code, signal) => {
          clearTimeout(timer);
          rmSync(dir, { recursive: true, force: true });
          const last = err.trim().split('\n').at(-1) ?? '';
          reject(new Error(`the model server for ${checkpoint} ended (${signal ?? `exit ${code}`}): ${last.replace(/^orquesta(?: serve-model)?: /, '')}`));
        });
      }),
  };
}
