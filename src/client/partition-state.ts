/**
 * The consumer's view of one assigned partition (Kafka's SubscriptionState,
 * per partition): where the next fetch starts, or how to find it when it is
 * still unknown, whether it is paused, and the records fetched but not yet
 * returned by poll(). The consumer, its Fetcher and its OffsetFetcher all
 * read and write these.
 */
import type { RecordHeader } from '../records/index.ts';
import { ClientError } from '../protocol/index.ts';

export type OffsetSpec = bigint | number | 'earliest' | 'latest';

export interface PartitionRef {
  topic: string;
  partition: number;
}

export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export type OffsetResetStrategy = 'earliest' | 'latest' | 'none';

/** One assigned partition: where the next fetch starts and what is buffered. */
export class PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** null: to be resolved from `reset` with ListOffsets. */
  position: bigint | null;
  reset: OffsetResetStrategy;
  paused = false;
  highWatermark = -1n;
  /** read_committed reads up to here: the first offset of a transaction still open. */
  lastStableOffset = -1n;
  buffered: ConsumerRecord[] = [];
  bufferedIndex = 0;

  constructor(topic: string, partition: number, position: bigint | null, reset: OffsetResetStrategy) {
    this.topic = topic;
    this.partition = partition;
    this.position = position;
    this.reset = reset;
  }

  get hasBuffered(): boolean {
    return this.bufferedIndex < this.buffered.length;
  }
}

/** The key of a partition in the consumer's maps. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\0${partition}`;
}

/**
 * Moves a partition to `offset`, dropping what was buffered: an offset is
 * taken as given, 'earliest' / 'latest' (or none, meaning auto.offset.reset)
 * leave the position to be resolved with ListOffsets.
 */
export function applyOffset(s: PartitionState, offset: OffsetSpec | undefined, autoOffsetReset: OffsetResetStrategy): void {
  s.buffered = [];
  s.bufferedIndex = 0;
  if (offset === undefined) {
    s.position = null;
    s.reset = autoOffsetReset;
  } else if (offset === 'earliest' || offset === 'latest') {
    s.position = null;
    s.reset = offset;
  } else {
    const n = BigInt(offset);
    if (n < 0n) throw new ClientError(`invalid offset ${n}`, 'SAMSA_ERR_CONFIG');
    s.position = n;
  }
}
