/**
 * Checkpoints on disk, written by rank 0, read by every rank:
 *   <dir>/step-00001000/model.safetensors      the model's variables (+ config metadata)
 *                       optimizer.safetensors  optimizer moments
 *                       state.json             step, optimizer step, data-iterator state, spec name
 *                       MANIFEST.json          sha256 and size of each file above
 * Writing: files go to <dir>/.partial-step-N/, each fsynced, then the directory is renamed into
 * place and the parent fsynced, so a crash leaves either the whole checkpoint or none. After a
 * write, all but the newest `keep_last` are deleted. Reading: the newest checkpoint whose files
 * all match the manifest; a corrupt or truncated one is reported and the one before it is used.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';

export const CHECKPOINT_FILES = { model: 'model.safetensors', optimizer: 'optimizer.safetensors', state: 'state.json', manifest: 'MANIFEST.json' } as const;

/** A file's contents: whole, or parts written back to back (views of arrays in memory, or produced as it is written). */
export type FileBody = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export interface CheckpointFiles {
  readonly model: FileBody;
  readonly optimizer: FileBody;
  readonly state: unknown;
}

export interface FoundCheckpoint {
  readonly model: Uint8Array;
  readonly optimizer: Uint8Array;
  readonly state: unknown;
  readonly step: number;
  readonly path: string;
}

interface Manifest {
  readonly files: Record<string, { sha256: string; bytes: number }>;
}

const stepDir = (step: number) => `step-${String(step).padStart(8, '0')}`;

/** Parts gathered into one writev: few round trips to the thread pool, whose answers wait for a busy thread. */
const BATCH_PARTS = 256;
const BATCH_BYTES = 64 * 2 ** 20;

/** Writes `body` to `path` (parts in batches, one writev each) and fsyncs it; resolves with its size and sha256. */
async function writeSynced(path: string, body: FileBody): Promise<{ sha256: string; bytes: number }> {
  const parts: Iterable<Uint8Array> | AsyncIterable<Uint8Array> = body instanceof Uint8Array ? [body] : body;
  const hash = createHash('sha256');
  let bytes = 0;
  const handle = await open(path, 'w');
  try {
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const flush = async () => {
      // writev may write less than asked (as write may): the rest goes again.
      const pending = batch.filter((p) => p.length > 0);
      while (pending.length > 0) {
        let { bytesWritten } = await handle.writev(pending);
        while (pending.length > 0 && bytesWritten >= pending[0]!.length) bytesWritten -= pending.shift()!.length;
        if (bytesWritten > 0) pending[0] = pending[0]!.subarray(bytesWritten);
      }
      batch = [];
      batchBytes = 0;
    };
    for await (const part of parts) {
      hash.update(part);
      bytes += part.length;
      batch.push(part);
      batchBytes += part.length;
      if (batch.length >= BATCH_PARTS || batchBytes >= BATCH_BYTES) await flush();
    }
    await flush();
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export class CheckpointStore {
  constructor(
    readonly dir: string,
    private readonly keepLast: number,
    /** Told about checkpoints that were skipped as unusable. */
    private readonly onSkip: (error: CheckpointError) => void = () => undefined,
  ) {}

  /** Writes the checkpoint of `step` atomically, then prunes old ones. Returns its path. */
  async write(step: number, files: CheckpointFiles): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const final = join(this.dir, stepDir(step));
    const partial = join(this.dir, `.partial-${stepDir(step)}`);
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial);
    const contents: Record<string, FileBody> = {
      [CHECKPOINT_FILES.model]: files.model,
      [CHECKPOINT_FILES.optimizer]: files.optimizer,
      [CHECKPOINT_FILES.state]: Buffer.from(JSON.stringify(files.state, null, 2)),
    };
    const manifest: Manifest = { files: {} };
    for (const [name, body] of Object.entries(contents)) manifest.files[name] = await writeSynced(join(partial, name), body);
    await writeSynced(join(partial, CHECKPOINT_FILES.manifest), Buffer.from(JSON.stringify(manifest, null, 2)));
    await syncDir(partial);
    await rm(final, { recursive: true, force: true });
    await rename(partial, final);
    await syncDir(this.dir);
    await this.prune();
    return final;
  }

  /** Steps of the checkpoints on disk, newest first. */
  async steps(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    return names
      .map((n) => /^step-(\d{8})$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => b - a);
  }

  /** The newest usable checkpoint, or undefined when there is none. */
  async latest(): Promise<FoundCheckpoint | undefined> {
    for (const step of await this.steps()) {
      try {
        return await this.read(step);
      } catch (error) {
        if (!(error instanceof CheckpointError)) throw error;
        this.onSkip(error);
      }
    }
    return undefined;
  }

  /** @throws {CheckpointError} when a file is missing or does not match the manifest. */
  async read(step: number): Promise<FoundCheckpoint> {
    const path = join(this.dir, stepDir(step));
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await readFile(join(path, CHECKPOINT_FILES.manifest), 'utf8')) as Manifest;
    } catch (cause) {
      throw new CheckpointError(path, 'missing or unreadable MANIFEST.json', { cause });
    }
    const loaded: Record<string, Uint8Array> = {};
    for (const name of [CHECKPOINT_FILES.model, CHECKPOINT_FILES.optimizer, CHECKPOINT_FILES.state]) {
      const expected = manifest.files?.[name];
      if (!expected) throw new CheckpointError(path, `MANIFEST.json does not list ${name}`);
      let bytes: Uint8Array;
      try {
        bytes = await readFile(join(path, name));
      } catch (cause) {
        throw new CheckpointError(path, `missing ${name}`, { cause });
      }
      if (bytes.length !== expected.bytes)
        throw new CheckpointError(path, `${name} is ${bytes.length} bytes, the manifest says ${expected.bytes} (truncated?)`);
      if (sha256(bytes) !== expected.sha256) throw new CheckpointError(path, `${name} does not match its sha256 in MANIFEST.json (corrupt)`);
      loaded[name] = bytes;
    }
    return {
      step,
      path,
      model: loaded[CHECKPOINT_FILES.model]!,
      optimizer: loaded[CHECKPOINT_FILES.optimizer]!,
      state: JSON.parse(Buffer.from(loaded[CHECKPOINT_FILES.state]!).toString('utf8')) as unknown,
    };
  }

  private async prune(): Promise<void> {
    const steps = await this.steps();
    for (const step of steps.slice(this.keepLast)) await rm(join(this.dir, stepDir(step)), { recursive: true, force: true });
  }
}
