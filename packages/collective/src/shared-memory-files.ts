import { randomInt } from 'node:crypto';
import { closeSync, constants, openSync, readSync, statfsSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Elements of a rank's file name as it travels in an all-gather: pid (2 x 16 bits) and 48 random bits. */
export const SHARED_NAME_LENGTH = 5;

/** /dev/shm (memory-backed) where it exists, else the system's temporary directory. */
export function defaultSharedMemoryDir(): string {
  try {
    if (statSync('/dev/shm').isDirectory()) return '/dev/shm';
  } catch {
    // no /dev/shm on this system
  }
  return tmpdir();
}

/** Thrown by SharedMemoryFiles when a read or write fails or comes up short. */
export class SharedFileIoError extends Error {
  override readonly name = 'SharedFileIoError';
  constructor(
    /** The rank whose file failed. */
    readonly owner: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The files through which ranks on one host exchange tensors: each rank owns two (one per parity, so an
 * operation never overwrites what a slower rank still reads from the previous one) and has every peer's
 * open for reading. Names are all-gathered once; after every rank has opened its peers' files, each rank
 * unlinks its own, so the memory is released when the last rank exits, whatever way it exits.
 */
export class SharedMemoryFiles {
  /** fds[parity][rank]; -1 until opened. */
  private readonly fds: number[][];
  private closed = false;

  private constructor(
    private readonly dir: string,
    readonly rank: number,
    worldSize: number,
    /** This rank's name (integer-valued floats, exact through an all-gather). */
    readonly name: Float32Array,
    own: readonly [number, number],
  ) {
    this.fds = [0, 1].map((parity) => Array.from({ length: worldSize }, (_, r) => (r === rank ? (own[parity] as number) : -1)));
  }

  /** Creates this rank's two files in `dir` (mode 0600). @throws the file system's error. */
  static create(dir: string, rank: number, worldSize: number): SharedMemoryFiles {
    const pid = process.pid;
    const name = Float32Array.of(pid % 65536, Math.floor(pid / 65536) % 65536, randomInt(65536), randomInt(65536), randomInt(65536));
    const flags = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL;
    const first = openSync(pathOf(dir, name, 0), flags, 0o600);
    let second: number;
    try {
      second = openSync(pathOf(dir, name, 1), flags, 0o600);
    } catch (error) {
      closeSync(first);
      unlinkSync(pathOf(dir, name, 0));
      throw error;
    }
    return new SharedMemoryFiles(dir, rank, worldSize, name, [first, second]);
  }

  /**
   * Opens every peer's files by the names all-gathered from them (indexed by rank; this rank's is
   * skipped). Returns why one could not be opened (another host, or no shared files), else undefined.
   */
  openPeers(names: readonly Float32Array[]): string | undefined {
    for (const [peer, name] of names.entries()) {
      if (peer === this.rank) continue;
      if (name.length !== SHARED_NAME_LENGTH || name.every((x) => x === 0)) return `rank ${peer} has no shared-memory files`;
      for (const parity of [0, 1]) {
        try {
          (this.fds[parity] as number[])[peer] = openSync(pathOf(this.dir, name, parity), constants.O_RDONLY);
        } catch (error) {
          return `rank ${peer}'s file is not here (${(error as NodeJS.ErrnoException).code ?? String(error)}): it runs on another host or with another ${this.dir}`;
        }
      }
    }
    return undefined;
  }

  /** Removes this rank's files from the directory; open descriptors keep them readable. */
  unlinkOwn(): void {
    for (const parity of [0, 1]) {
      try {
        unlinkSync(pathOf(this.dir, this.name, parity));
      } catch {
        // already gone
      }
    }
  }

  /** Writes `bytes` at byte `position` of this rank's file of `parity`. @throws {SharedFileIoError} */
  write(parity: number, bytes: Uint8Array, position: number): void {
    const fd = this.fd(parity, this.rank);
    transferAll(
      bytes,
      position,
      (done) => writeSync(fd, bytes, done, bytes.length - done, position + done),
      (problem, cause) =>
        new SharedFileIoError(this.rank, `writing shared memory ${cause === undefined ? 'made no progress' : `failed: ${problem}`}`, { cause }),
    );
  }

  /** Fills `into` from byte `position` of `peer`'s file of `parity`. @throws {SharedFileIoError} */
  read(parity: number, peer: number, into: Uint8Array, position: number): void {
    const fd = this.fd(parity, peer);
    transferAll(
      into,
      position,
      (done) => readSync(fd, into, done, into.length - done, position + done),
      (problem, cause) =>
        new SharedFileIoError(
          peer,
          cause === undefined ? `rank ${peer}'s shared memory ${problem}` : `reading rank ${peer}'s shared memory failed: ${problem}`,
          { cause },
        ),
    );
  }

  /** Closes every descriptor (idempotent); unlinks this rank's files if still there. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unlinkOwn();
    for (const row of this.fds) for (const fd of row) if (fd >= 0) closeSync(fd);
  }

  private fd(parity: number, rank: number): number {
    const fd = this.fds[parity]?.[rank] ?? -1;
    if (fd < 0 || this.closed) throw new SharedFileIoError(rank, `rank ${rank}'s shared memory is not open`);
    return fd;
  }
}

/**
 * Repeats `step(done)` (one pread or pwrite; returns the bytes moved) until all of `bytes` moved.
 * `fail(problem, cause)` makes the error: with the system's error as cause, or without one when a step
 * moved nothing (`problem` then says where the data ended).
 */
function transferAll(bytes: Uint8Array, position: number, step: (done: number) => number, fail: (problem: string, cause?: unknown) => SharedFileIoError): void {
  for (let done = 0; done < bytes.length;) {
    let n: number;
    try {
      n = step(done);
    } catch (error) {
      throw fail((error as Error).message, error);
    }
    if (n <= 0) throw fail(`ends at byte ${position + done}, expected ${position + bytes.length}`);
    done += n;
  }
}

function pathOf(dir: string, name: Float32Array, parity: number): string {
  const [pidLow = 0, pidHigh = 0, ...random] = name;
  return join(dir, `orquesta-collective-${pidHigh * 65536 + pidLow}-${random.map((x) => x.toString(16).padStart(4, '0')).join('')}-${parity}`);
}

/** Why `dir` cannot hold `needed` more bytes, or undefined when it can. */
export function roomProblem(dir: string, needed: number): string | undefined {
  try {
    const fs = statfsSync(dir);
    const free = fs.bavail * fs.bsize;
    if (free >= needed) return undefined;
    const mib = (bytes: number): string => `${Math.floor(bytes / 2 ** 20)} MiB`;
    return `${dir} has ${mib(free)} free, the group's files may need ${mib(needed)} (2 x the shared-memory limit x ranks)`;
  } catch (error) {
    return `cannot check the free space of ${dir}: ${(error as Error).message}`;
  }
}
