import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CheckpointError } from '../errors.js';

/** One checkpoint for the writer thread: its files as parts written back to back. */
export interface ThreadJob {
  readonly id: number;
  readonly dir: string;
  readonly keepLast: number;
  readonly step: number;
  readonly files: { readonly model: readonly Uint8Array[]; readonly optimizer: readonly Uint8Array[]; readonly state: unknown };
}

export type ThreadAnswer =
  | { readonly id: number; readonly path: string; readonly seconds: number }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string } };

/** A checkpoint the thread wrote: its directory, and the seconds the write took on the thread (the answer may reach a busy loop later). */
export interface ThreadWritten {
  readonly path: string;
  readonly seconds: number;
}

/** The compiled thread entry; under a test runner that runs the sources, the build's copy beside them. */
function threadScript(): string {
  const here = fileURLToPath(new URL('./checkpoint-thread.js', import.meta.url));
  return existsSync(here) ? here : here.replace(/([/\\])src([/\\]checkpoint[/\\])/, '$1dist$2');
}

/**
 * Writes checkpoints with CheckpointStore on a worker thread of this process (checkpoint-thread.ts).
 * Parts are posted to the thread: views of SharedArrayBuffers are shared (the caller leaves them
 * alone until the write is over), others are copied by the structured clone.
 */
export class CheckpointThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (written: ThreadWritten) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly dir: string,
    private readonly keepLast: number,
  ) {}

  /**
   * Writes the checkpoint of `step`; resolves with its directory and the write's seconds.
   * @throws {CheckpointError} the write failed (disk full, permissions) or the thread died.
   */
  write(step: number, files: ThreadJob['files']): Promise<ThreadWritten> {
    const worker = this.start();
    const id = this.nextId++;
    const job: ThreadJob = { id, dir: this.dir, keepLast: this.keepLast, step, files };
    return new Promise<ThreadWritten>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage(job);
    });
  }

  /** Stops the thread (a write in progress is abandoned: its partial directory is never renamed into place). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    // Not unref'd: a write in progress keeps the process alive; close() ends the thread.
    const worker = new Worker(threadScript());
    worker.on('message', (answer: ThreadAnswer) => {
      const waiter = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if ('path' in answer) waiter?.resolve({ path: answer.path, seconds: answer.seconds });
      else waiter?.reject(new CheckpointError(this.dir, `writing a checkpoint failed: ${answer.error.name}: ${answer.error.message}`));
    });
    const fail = (why: string) => {
      for (const w of this.waiting.values()) w.reject(new CheckpointError(this.dir, `the checkpoint writer thread ${why}`));
      this.waiting.clear();
      if (this.worker === worker) this.worker = undefined;
    };
    worker.on('error', (e) => fail(`failed: ${e.message}`));
    worker.on('exit', (code) => fail(`exited (code ${code})`));
    this.worker = worker;
    return worker;
  }
}
