/**
 * Kafka's checkpoint text format, shared by recovery-point-offset-checkpoint,
 * log-start-offset-checkpoint and leader-epoch-checkpoint:
 *
 *   0                  version
 *   <count>            number of entry lines that follow
 *   <entry>            one per line, fields separated by single spaces
 *
 * Written by write-temp, fsync, rename, fsync-dir, so a reader sees the old
 * file or the new one, never a mix.
 */
import { CheckpointFormatError } from './errors.ts';
import { readFileIfExists, writeFileDurably } from './fs-util.ts';

const CHECKPOINT_VERSION = 0;
/** A checkpoint with more lines than this is not one we wrote. */
export const CHECKPOINT_ENTRIES_MAX = 10_000_000;

export function writeCheckpointFile(path: string, entries: readonly string[]): void {
  let text = `${CHECKPOINT_VERSION}\n${entries.length}\n`;
  for (const entry of entries) text += entry + '\n';
  writeFileDurably(path, text);
}

/** The entry lines split into fields, or null when the file does not exist. Throws CheckpointFormatError. */
export function readCheckpointFile(path: string, fieldCount: number): string[][] | null {
  const bytes = readFileIfExists(path);
  if (bytes === null) return null;
  const lines = bytes.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 2 || lines[0] !== String(CHECKPOINT_VERSION)) {
    throw new CheckpointFormatError(path, `expected version ${CHECKPOINT_VERSION} on the first line`);
  }
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count < 0 || count > CHECKPOINT_ENTRIES_MAX || lines.length !== count + 2) {
    throw new CheckpointFormatError(path, `entry count ${lines[1]} does not match ${lines.length - 2} lines`);
  }
  const entries: string[][] = [];
  for (let i = 2; i < lines.length; i++) {
    const fields = lines[i]!.split(' ');
    if (fields.length !== fieldCount) throw new CheckpointFormatError(path, `line ${i + 1} has ${fields.length} fields`);
    entries.push(fields);
  }
  return entries;
}

/** A non-negative integer field, or a CheckpointFormatError. */
export function parseOffsetField(path: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) throw new CheckpointFormatError(path, `bad offset "${text}"`);
  return value;
}

/** `<topic> <partition> <offset>` lines of the two root checkpoints, keyed by `<topic>-<partition>`. */
export function readPartitionOffsets(path: string): Map<string, number> {
  const offsets = new Map<string, number>();
  const entries = readCheckpointFile(path, 3);
  if (entries === null) return offsets;
  for (const [topic, partition, offset] of entries) {
    offsets.set(`${topic}-${parseOffsetField(path, partition!)}`, parseOffsetField(path, offset!));
  }
  return offsets;
}

export function writePartitionOffsets(path: string, offsets: readonly { topic: string; partition: number; offset: number }[]): void {
  writeCheckpointFile(
    path,
    offsets.map((entry) => `${entry.topic} ${entry.partition} ${entry.offset}`),
  );
}
