/**
 * Streams the lines of a corpus file as bytes, never holding more than one chunk and one line.
 *   1. Peek at the first two bytes: 1f 8b is gzip, whatever the file name; gunzip it on the fly.
 *   2. Split the byte stream at LF; drop one CR before it (CRLF files read like LF files).
 *   3. Yield each line with its 1-based number; a last line without LF is yielded too, marked.
 * Bytes are not decoded here, so the caller can report invalid UTF-8 with its line number.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CorpusReadError } from '../errors.js';

export interface RawLine {
  /** 1-based line number. */
  readonly number: number;
  /** The line's bytes without LF (and without a CR before it). Valid until the next line is read. */
  readonly bytes: Uint8Array;
  /** False only for a last line that has no LF after it. */
  readonly terminated: boolean;
}

/** Read size of the file stream, in bytes. */
const CHUNK_BYTES = 1 << 16;

/** Lines of `file` (plain or gzip). Throws CorpusReadError when the file cannot be opened, read or gunzipped. */
export async function* readLines(file: string): AsyncGenerator<RawLine> {
  const stream = await openStream(file);
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let carry: Buffer | undefined;
  let number = 0;
  try {
    for (;;) {
      let step: IteratorResult<Buffer>;
      try {
        step = await chunks.next();
      } catch (error) {
        throw new CorpusReadError(file, `read failed: ${(error as Error).message}`, { cause: error });
      }
      if (step.done) break;
      let chunk = step.value;
      if (carry !== undefined) {
        chunk = Buffer.concat([carry, chunk]);
        carry = undefined;
      }
      let start = 0;
      for (let lf = chunk.indexOf(10, start); lf >= 0; lf = chunk.indexOf(10, start)) {
        const end = lf > start && chunk[lf - 1] === 13 ? lf - 1 : lf;
        yield { number: ++number, bytes: chunk.subarray(start, end), terminated: true };
        start = lf + 1;
      }
      if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
    }
    if (carry !== undefined && carry.length > 0) {
      const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
      yield { number: ++number, bytes: carry.subarray(0, end), terminated: false };
    }
  } finally {
    // Also runs when the caller stops early (or its visitor throws): release the file.
    stream.destroy();
  }
}

async function openStream(file: string): Promise<Readable> {
  const magic = Buffer.alloc(2);
  let bytesRead: number;
  try {
    const handle = await open(file, 'r');
    try {
      ({ bytesRead } = await handle.read(magic, 0, 2, 0));
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CorpusReadError(file, code === 'ENOENT' ? 'no such file' : `cannot open: ${code ?? String(error)}`, { cause: error });
  }
  const source = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  const gzip = bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  const sink = gzip ? createGunzip({ chunkSize: CHUNK_BYTES }) : new PassThrough({ highWaterMark: CHUNK_BYTES });
  // pipeline() forwards a read error to the sink, so iterating the sink rejects with it.
  return pipeline(source, sink, () => undefined);
}
