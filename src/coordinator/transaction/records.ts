/**
 * The records of `__transaction_state`, byte for byte as Kafka 4 writes them:
 *
 *   key   int16 version 0, then TransactionLogKey v0 (the transactional id)
 *   value int16 version, then TransactionLogValue: v1 (flexible, with the
 *         previous/next producer ids and the client's transaction version as
 *         tagged fields) as a cluster with transaction.version 2 writes it;
 *         v0 is read too. Empty carries a null partition array.
 *   null value: a tombstone, the transactional id expired.
 *
 * `lastProducerEpoch` is not in the record: a loaded id starts without one.
 */
import { Reader, Writer } from '../../protocol/index.ts';
import { TransactionLogKey, TransactionLogValue, type TransactionLogValue as TransactionLogValueData } from '../records/index.ts';
import { normalizePartitions, type TxnPartition, type TxnSnapshot } from './txn-metadata.ts';
import { NO_PRODUCER_EPOCH, TxnState, txnStateOf } from './txn-state.ts';

const KEY_VERSION = 0;
const VALUE_VERSION = 1;

export interface TxnRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

export type DecodedTxnRecord =
  | { readonly kind: 'txn'; readonly transactionalId: string; readonly value: TxnSnapshot }
  | { readonly kind: 'tombstone'; readonly transactionalId: string }
  | { readonly kind: 'unknown'; readonly keyVersion: number };

export class TxnRecordError extends Error {
  readonly code = 'SAMSA_ERR_TXN_RECORD';
}

export function txnRecordKey(transactionalId: string): Buffer {
  const w = new Writer();
  w.int16(KEY_VERSION);
  TransactionLogKey.encode(w, { transactionalId }, KEY_VERSION);
  return w.toBuffer();
}

export function txnRecord(transactionalId: string, value: TxnSnapshot | null): TxnRecord {
  const key = txnRecordKey(transactionalId);
  if (value === null) return { key, value: null };
  const w = new Writer();
  w.int16(VALUE_VERSION);
  TransactionLogValue.encode(w, toLogValue(value), VALUE_VERSION);
  return { key, value: w.toBuffer() };
}

function toLogValue(v: TxnSnapshot): TransactionLogValueData {
  if (v.state === TxnState.Empty && v.partitions.length > 0) throw new TxnRecordError('an Empty transaction cannot hold partitions');
  const byTopic = new Map<string, number[]>();
  for (const p of v.partitions) {
    let ids = byTopic.get(p.topic);
    if (ids === undefined) byTopic.set(p.topic, ids = []);
    ids.push(p.partition);
  }
  return {
    producerId: v.producerId, previousProducerId: v.previousProducerId, nextProducerId: v.nextProducerId,
    producerEpoch: v.producerEpoch, transactionTimeoutMs: v.timeoutMs, transactionStatus: v.state,
    transactionPartitions: v.state === TxnState.Empty ? null : [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds })),
    transactionLastUpdateTimestampMs: BigInt(v.lastUpdateTimeMs), transactionStartTimestampMs: BigInt(v.startTimeMs),
    clientTransactionVersion: v.clientTransactionVersion,
  };
}

/** Decodes one record of `__transaction_state`; throws TxnRecordError when it cannot be read. */
export function decodeTxnRecord(key: Buffer | null, value: Buffer | null): DecodedTxnRecord {
  if (key === null || key.length < 2) throw new TxnRecordError('record without a versioned key');
  const keyVersion = key.readInt16BE(0);
  if (keyVersion !== KEY_VERSION) return { kind: 'unknown', keyVersion };
  try {
    const { transactionalId } = TransactionLogKey.decode(new Reader(key, 2), KEY_VERSION);
    if (value === null) return { kind: 'tombstone', transactionalId };
    const r = new Reader(value);
    const version = r.int16();
    if (version < TransactionLogValue.minVersion || version > TransactionLogValue.maxVersion) {
      throw new TxnRecordError(`TransactionLogValue has unknown version ${version}`);
    }
    return { kind: 'txn', transactionalId, value: fromLogValue(TransactionLogValue.decode(r, version)) };
  } catch (e) {
    if (e instanceof TxnRecordError) throw e;
    throw new TxnRecordError(`undecodable transaction record: ${(e as Error).message}`);
  }
}

function fromLogValue(v: TransactionLogValueData): TxnSnapshot {
  const state = txnStateOf(v.transactionStatus);
  if (state === null) throw new TxnRecordError(`unknown transaction status ${v.transactionStatus}`);
  const partitions: TxnPartition[] = [];
  // Kafka ignores the partitions of an Empty record.
  if (state !== TxnState.Empty) {
    for (const t of v.transactionPartitions ?? []) for (const partition of t.partitionIds) partitions.push({ topic: t.topic, partition });
  }
  return {
    producerId: v.producerId, previousProducerId: v.previousProducerId, nextProducerId: v.nextProducerId,
    producerEpoch: v.producerEpoch, lastProducerEpoch: NO_PRODUCER_EPOCH, timeoutMs: v.transactionTimeoutMs, state,
    partitions: normalizePartitions(partitions), startTimeMs: Number(v.transactionStartTimestampMs),
    lastUpdateTimeMs: Number(v.transactionLastUpdateTimestampMs), clientTransactionVersion: v.clientTransactionVersion,
  };
}
