/**
 * `partition.metadata` in each partition directory, Kafka's
 * PartitionMetadataFile:
 *
 *   version: 0
 *   topic_id: <22-character base64url topic id>
 *
 * It ties the directory to one incarnation of the topic, so a directory
 * left from a deleted topic of the same name is never mistaken for the new
 * one.
 */
import { join } from 'node:path';
import { CheckpointFormatError } from './errors.ts';
import { PARTITION_METADATA_FILE } from './file-names.ts';
import { readFileIfExists, writeFileDurably } from './fs-util.ts';

const TOPIC_ID = /^[A-Za-z0-9_-]{22}$/;

export function isTopicId(text: string): boolean {
  return TOPIC_ID.test(text);
}

export function writePartitionMetadata(dir: string, topicId: string): void {
  if (!isTopicId(topicId)) throw new RangeError(`topic id "${topicId}" is not 22 base64url characters`);
  writeFileDurably(join(dir, PARTITION_METADATA_FILE), `version: 0\ntopic_id: ${topicId}\n`);
}

/** The topic id, or null when the file does not exist; throws CheckpointFormatError. */
export function readPartitionMetadata(dir: string): string | null {
  const path = join(dir, PARTITION_METADATA_FILE);
  const bytes = readFileIfExists(path);
  if (bytes === null) return null;
  const match = /^version: 0\ntopic_id: ([A-Za-z0-9_-]{22})\n?$/.exec(bytes.toString('utf8'));
  if (match === null) throw new CheckpointFormatError(path, 'expected "version: 0" and a topic_id line');
  return match[1]!;
}

/** The topic id, or null when the file is missing or unreadable (logged): the caller then treats the log as of unknown topic. */
export function readTopicIdOrNull(dir: string, log: (line: string) => void): string | null {
  try {
    return readPartitionMetadata(dir);
  } catch (error) {
    if (!(error instanceof CheckpointFormatError)) throw error;
    log(error.message);
    return null;
  }
}
