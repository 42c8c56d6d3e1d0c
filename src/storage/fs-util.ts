/**
 * Synchronous file helpers with the loops Node leaves to the caller
 * (short reads and writes), each bounded, and the directory fsync that makes
 * a create, rename or unlink durable.
 */
import fs from 'node:fs';
import { dirname } from 'node:path';
import { TEMP_FILE_SUFFIX } from './file-names.ts';

/** A regular file answers a read or write whole; a few partial results are tolerated, never a spin. */
const IO_ATTEMPTS_MAX = 64;

/** Writes `length` bytes of `buf` from `offset` at file `position`. */
export function writeFully(fd: number, buf: Buffer, offset: number, length: number, position: number): void {
  let done = 0;
  for (let attempt = 0; done < length; attempt++) {
    if (attempt >= IO_ATTEMPTS_MAX) throw new Error(`write stalled after ${done} of ${length} bytes`);
    done += fs.writeSync(fd, buf, offset + done, length - done, position + done);
  }
}

/** Reads up to `length` bytes at `position`; returns fewer only at end of file. */
export function readFully(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
  let done = 0;
  for (let attempt = 0; done < length; attempt++) {
    if (attempt >= IO_ATTEMPTS_MAX) throw new Error(`read stalled after ${done} of ${length} bytes`);
    const count = fs.readSync(fd, buf, offset + done, length - done, position + done);
    if (count === 0) break;
    done += count;
  }
  return done;
}

/** fsync of a directory, so that entries created, renamed or removed in it survive a power loss. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Replaces `path` atomically: write `<path>.tmp`, fsync it, rename over `path`, fsync the directory. */
export function writeFileDurably(path: string, content: string | Buffer): void {
  const temp = path + TEMP_FILE_SUFFIX;
  const fd = fs.openSync(temp, 'w');
  try {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    writeFully(fd, bytes, 0, bytes.length, 0);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, path);
  fsyncDir(dirname(path));
}

/** The file's bytes, or null when it does not exist. */
export function readFileIfExists(path: string): Buffer | null {
  try {
    return fs.readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export function unlinkIfExists(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Size in bytes, or -1 when the file does not exist. */
export function fileSizeOrMissing(path: string): number {
  try {
    return fs.statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw error;
  }
}

/** Big-endian int64 read as a JS number; exact for |value| < 2^53, which offsets and timestamps are. */
export function readInt64Number(buf: Buffer, position: number): number {
  return buf.readInt32BE(position) * 0x1_0000_0000 + buf.readUInt32BE(position + 4);
}

export function writeInt64Number(buf: Buffer, value: number, position: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  buf.writeInt32BE(high, position);
  buf.writeUInt32BE(value - high * 0x1_0000_0000, position + 4);
}
