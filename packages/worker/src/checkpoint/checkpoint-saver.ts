import type { OptimizerStream } from '../optim/optimizer-stream.js';
import { BackgroundCheckpointWriter } from './background-writer.js';
import type { CheckpointFiles, CheckpointStore, FileBody } from './checkpoint-store.js';
import type { CheckpointThread } from './checkpoint-thread-client.js';

/** A checkpoint written, as the worker reports it. */
export interface SavedCheckpoint {
  readonly step: number;
  readonly path: string;
  /** Seconds the training loop spent on this save: waiting for the previous write, gathering and copying the state. */
  readonly blockingSeconds: number;
  /** Seconds from the start of the write to the checkpoint being in place. */
  readonly writeSeconds: number;
}

/** What a saver needs from the trainer (see Trainer). */
export interface SaverTrainer {
  readonly step: number;
  optimizerStream(keep: boolean): OptimizerStream;
}

export interface SaverOptions {
  readonly trainer: SaverTrainer;
  /** Rank 0 writes; the other ranks only take part in gathering sharded moments. */
  readonly lead: boolean;
  /** Synchronous writes when undefined (checkpoint.background false). */
  readonly thread: CheckpointThread | undefined;
  readonly store: CheckpointStore;
  /** The checkpoint's files for the trainer's current step. */
  encode(optimizer: OptimizerStream): CheckpointFiles;
  report(saved: SavedCheckpoint): void;
}

const seconds = (since: number) => (performance.now() - since) / 1000;

/** A file's parts, read now (a sharded optimizer stream runs its collectives here). */
async function partsOf(body: FileBody): Promise<Uint8Array[]> {
  if (body instanceof Uint8Array) return [body];
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return parts;
}

/**
 * Rank 0's checkpoints during training, written in the background (background-writer.ts) or, without
 * a writer thread, synchronously. In the background case the state is copied into a staging area
 * (one SharedArrayBuffer, kept between saves and grown when needed: the training loop's arrays are
 * free again at once) that the writer thread reads without a further copy, hashes and writes. The
 * next save first waits for the previous write (the staging area is in use until then). Each finished
 * write is reported with what it cost the loop.
 */
export class CheckpointSaver {
  /** A checkpoint is reported as soon as it is in place: a restart right after it names it. */
  private readonly writer = new BackgroundCheckpointWriter(() => this.reportFinished());
  /** Seconds the loop spent on each background save not yet reported, by step. */
  private readonly blocking = new Map<number, number>();
  private staging = new Uint8Array(new SharedArrayBuffer(0));

  constructor(private readonly o: SaverOptions) {}

  /** Saves the trainer's current step. Every rank calls it at the same step. @throws {CheckpointError} an earlier background write failed. */
  async save(): Promise<void> {
    const { trainer, lead, thread } = this.o;
    const started = performance.now();
    const optimizer = trainer.optimizerStream(lead);
    if (!lead) {
      for await (const _ of optimizer.chunks());
      return;
    }
    const step = trainer.step;
    const files = this.o.encode(optimizer);
    if (thread === undefined) {
      const path = await this.o.store.write(step, files);
      this.o.report({ step, path, blockingSeconds: seconds(started), writeSeconds: seconds(started) });
      return;
    }
    await this.writer.settle();
    const model = await partsOf(files.model);
    const moments = await partsOf(files.optimizer);
    const [stagedModel, stagedMoments] = this.stage([model, moments]);
    const parts = { model: stagedModel!, optimizer: stagedMoments!, state: files.state };
    await this.writer.start(step, () => thread.write(step, parts));
    this.blocking.set(step, seconds(started));
  }

  /** Reports the writes that finished. @throws {CheckpointError} a background write failed. */
  afterStep(): void {
    this.writer.throwIfFailed();
    this.reportFinished();
  }

  /** Waits for the running write and reports it. @throws {CheckpointError} it failed. */
  async finish(): Promise<void> {
    const started = performance.now();
    await this.writer.settle();
    const newest = [...this.blocking.keys()].at(-1);
    if (newest !== undefined) this.blocking.set(newest, (this.blocking.get(newest) ?? 0) + seconds(started));
    this.reportFinished();
  }

  /** Copies every list of parts into the staging area, back to back; returns the copies. */
  private stage(lists: readonly (readonly Uint8Array[])[]): Uint8Array[][] {
    const total = lists.flat().reduce((n, p) => n + p.length, 0);
    if (total > this.staging.byteLength) this.staging = new Uint8Array(new SharedArrayBuffer(total));
    let offset = 0;
    return lists.map((parts) =>
      parts.map((part) => {
        const copy = this.staging.subarray(offset, offset + part.length);
        copy.set(part);
        offset += part.length;
        return copy;
      }),
    );
  }

  private reportFinished(): void {
    for (const w of this.writer.takeFinished()) {
      this.o.report({ step: w.step, path: w.path, writeSeconds: w.writeSeconds, blockingSeconds: this.blocking.get(w.step) ?? 0 });
      this.blocking.delete(w.step);
    }
  }
}
