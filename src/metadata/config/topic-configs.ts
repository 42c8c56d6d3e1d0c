/**
 * Topic configs with Kafka 4.0's names, types, defaults and validators
 * (LogConfig), and for each its broker synonyms in Kafka's precedence order
 * (ServerTopicConfigSynonyms): a topic without an override takes the first
 * synonym set in the broker config, else the first synonym with a default.
 *
 * Left out: remote storage (remote.storage.enable, local.retention.*, ...) and
 * replication throttles. Kafka 4.0 removed message.format.version,
 * message.downconversion.enable and message.timestamp.difference.max.ms, so
 * they are unknown here too.
 */
import { atLeast, between, CLEANUP_POLICIES, COMPRESSION_TYPES, oneOf, TIMESTAMP_TYPES } from './broker-configs.ts';
import { indexDefs, LONG_MAX_TEXT, type ConfigDef, type ConfigDefType, type ConfigValidator } from './config-def.ts';

/** A broker config standing in for a topic config; `unit` converts its value to the topic config's milliseconds. */
export interface BrokerSynonym {
  readonly name: string;
  readonly unit?: 'minutes' | 'hours';
}

export interface TopicConfigDef extends ConfigDef {
  readonly synonyms: readonly BrokerSynonym[];
  /** log.retention.*: Kafka turns any negative broker value into -1 (keep forever). */
  readonly negativeBrokerValueIsUnlimited?: true;
}

function topic(
  name: string, type: ConfigDefType, dflt: string | null, synonyms: readonly (string | BrokerSynonym)[], documentation: string,
  validator?: ConfigValidator,
): TopicConfigDef {
  const syn = synonyms.map((s) => (typeof s === 'string' ? { name: s } : s));
  const base = { name, type, default: dflt, sensitive: false, updateMode: 'per-topic' as const, documentation, synonyms: syn };
  return validator === undefined ? base : { ...base, validator };
}

export const TOPIC_CONFIGS: readonly TopicConfigDef[] = [
  topic('cleanup.policy', 'list', 'delete', ['log.cleanup.policy'],
    'delete drops old segments by retention, compact keeps the latest record per key; both may be given.', oneOf(...CLEANUP_POLICIES)),
  topic('compression.type', 'string', 'producer', ['compression.type'],
    'Compression of stored batches; producer keeps what the producer used.', oneOf(...COMPRESSION_TYPES)),
  topic('compression.gzip.level', 'int', '-1', ['compression.gzip.level'], 'gzip level when this topic is stored gzip-compressed.', between(1, 9, [-1])),
  topic('compression.lz4.level', 'int', '9', ['compression.lz4.level'], 'lz4 level when this topic is stored lz4-compressed.', between(1, 17)),
  topic('compression.zstd.level', 'int', '3', ['compression.zstd.level'], 'zstd level when this topic is stored zstd-compressed.', between(-131072, 22)),
  topic('delete.retention.ms', 'long', '86400000', ['log.cleaner.delete.retention.ms'],
    'How long tombstones stay in a compacted topic.', atLeast(0)),
  topic('file.delete.delay.ms', 'long', '60000', ['log.segment.delete.delay.ms'],
    'Delay before a deleted segment\'s files are removed from disk.', atLeast(0)),
  topic('flush.messages', 'long', LONG_MAX_TEXT, ['log.flush.interval.messages'],
    'Messages appended to a partition before it is fsynced.', atLeast(1)),
  topic('flush.ms', 'long', LONG_MAX_TEXT, ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
    'Longest time appended data waits for fsync.', atLeast(0)),
  topic('index.interval.bytes', 'int', '4096', ['log.index.interval.bytes'],
    'Log bytes between two entries of the sparse offset index.', atLeast(0)),
  topic('max.compaction.lag.ms', 'long', LONG_MAX_TEXT, ['log.cleaner.max.compaction.lag.ms'],
    'Records older than this are made eligible for compaction.', atLeast(1)),
  topic('max.message.bytes', 'int', '1048588', ['message.max.bytes'],
    'Largest record batch this topic accepts, after compression.', atLeast(0)),
  topic('message.timestamp.after.max.ms', 'long', '3600000', ['log.message.timestamp.after.max.ms'],
    'With CreateTime, how far a timestamp may lie in the future before the batch is rejected.', atLeast(0)),
  topic('message.timestamp.before.max.ms', 'long', LONG_MAX_TEXT, ['log.message.timestamp.before.max.ms'],
    'With CreateTime, how far a timestamp may lie in the past before the batch is rejected.', atLeast(0)),
  topic('message.timestamp.type', 'string', 'CreateTime', ['log.message.timestamp.type'],
    'Whether record timestamps are the producer\'s (CreateTime) or the broker\'s (LogAppendTime).', oneOf(...TIMESTAMP_TYPES)),
  topic('min.cleanable.dirty.ratio', 'double', '0.5', ['log.cleaner.min.cleanable.ratio'],
    'Share of dirty bytes at which the log becomes due for compaction.', between(0, 1)),
  topic('min.compaction.lag.ms', 'long', '0', ['log.cleaner.min.compaction.lag.ms'],
    'Records younger than this are never compacted.', atLeast(0)),
  topic('min.insync.replicas', 'int', '1', ['min.insync.replicas'],
    'Fewest in-sync replicas for an acks=all write to succeed.', atLeast(1)),
  topic('preallocate', 'boolean', 'false', ['log.preallocate'], 'Whether a new segment file is preallocated to its full size.'),
  topic('retention.bytes', 'long', '-1', ['log.retention.bytes'],
    'Largest size of a partition log before old segments are deleted; -1 means no limit.'),
  {
    ...topic('retention.ms', 'long', '604800000',
      ['log.retention.ms', { name: 'log.retention.minutes', unit: 'minutes' }, { name: 'log.retention.hours', unit: 'hours' }],
      'How long to keep a segment before deleting it; -1 keeps it forever.', atLeast(-1)),
    negativeBrokerValueIsUnlimited: true,
  },
  {
    ...topic('segment.bytes', 'int', '1073741824', ['log.segment.bytes'], 'Largest size of one log segment file.', atLeast(1048576)),
    samsaNote: 'Kafka 4.0 raised the minimum from 14 bytes to 1 MiB; tests that need small segments set internal.segment.bytes.',
  },
  {
    ...topic('segment.index.bytes', 'int', '10485760', ['log.index.size.max.bytes'],
      'Largest size of a segment\'s offset index; a full index rolls the segment.', atLeast(12)),
    samsaNote: 'Kafka accepts 4; Samsa needs room for one 12-byte time-index entry.',
  },
  topic('segment.jitter.ms', 'long', '0', ['log.roll.jitter.ms', { name: 'log.roll.jitter.hours', unit: 'hours' }],
    'Most random time subtracted from segment.ms, to spread segment rolls.', atLeast(0)),
  topic('segment.ms', 'long', '604800000', ['log.roll.ms', { name: 'log.roll.hours', unit: 'hours' }],
    'Longest time before the active segment rolls, even if it is not full.', atLeast(1)),
  topic('unclean.leader.election.enable', 'boolean', 'false', ['unclean.leader.election.enable'],
    'Whether a replica outside the ISR may become leader, at the risk of losing data.'),
  {
    ...topic('internal.segment.bytes', 'int', null, [], 'Testing only: a segment size that bypasses the 1 MiB floor of segment.bytes.', atLeast(14)),
    internal: true,
    samsaNote: 'Kafka defines it without a bound; Samsa keeps the 14-byte floor of the storage layer.',
  },
];

const BY_NAME = indexDefs(TOPIC_CONFIGS);

export function topicConfigDef(name: string): TopicConfigDef | undefined {
  return BY_NAME.get(name);
}
