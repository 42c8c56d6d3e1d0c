import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ControlRecordType,
  RecordBatch,
  RecordsErrorCode,
  buildControlBatch,
  buildEndTxnMarkerBatch,
  buildRecordBatch,
  decodeControlRecordKey,
  decodeEndTxnMarkerValue,
  readControlRecords,
  readEndTxnMarker,
  scanBatches,
  validateProduceBatches,
} from '../../src/records/index.ts';
import { assertRecordsError } from './helpers.ts';

for (const type of [ControlRecordType.COMMIT, ControlRecordType.ABORT] as const) {
  test(`end transaction marker round trip (type ${type})`, () => {
    const bytes = buildEndTxnMarkerBatch({ type, coordinatorEpoch: 11 }, 1_700_000_000_000n, {
      producerId: 4242n,
      producerEpoch: 3,
      baseOffset: 77n,
      partitionLeaderEpoch: 5,
    });
    const [batch] = scanBatches(bytes).batches;
    assert.ok(batch);
    assert.equal(batch.isControl, true);
    assert.equal(batch.isTransactional, true);
    assert.equal(batch.producerId, 4242n);
    assert.equal(batch.producerEpoch, 3);
    assert.equal(batch.baseSequence, -1);
    assert.equal(batch.baseOffset, 77n);
    assert.equal(batch.recordCount, 1);
    assert.equal(batch.compression, 0);
    assert.deepEqual(readEndTxnMarker(batch), { type, coordinatorEpoch: 11 });
    const [record] = readControlRecords(batch);
    assert.equal(record!.offset, 77n);
    assert.equal(record!.keyVersion, 0);
  });
}

test('the marker record bytes are version+type key and version+epoch value', () => {
  const bytes = buildEndTxnMarkerBatch({ type: ControlRecordType.COMMIT, coordinatorEpoch: 0x01020304 }, 0n, {
    producerId: 1n,
    producerEpoch: 0,
  });
  // Record: length, attributes, timestampDelta, offsetDelta, key length 4, key, value length 6, value, 0 headers.
  const record = bytes.subarray(61);
  assert.deepEqual(record.subarray(4, 9), Buffer.from([0x08, 0x00, 0x00, 0x00, 0x01]));
  assert.deepEqual(record.subarray(9, 16), Buffer.from([0x0c, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04]));
});

test('a control batch is refused on the produce path, like Kafka does for clients', () => {
  const bytes = buildEndTxnMarkerBatch({ type: ControlRecordType.ABORT, coordinatorEpoch: 1 }, 0n, { producerId: 1n, producerEpoch: 0 });
  assertRecordsError(() => validateProduceBatches(bytes), RecordsErrorCode.INVALID_RECORD, /control/);
});

test('generic control records (KRaft types) keep their type and value', () => {
  const value = Buffer.from([0, 0, 0, 1]);
  const bytes = buildControlBatch(ControlRecordType.LEADER_CHANGE, value, 9n, { partitionLeaderEpoch: 3 });
  const batch = new RecordBatch(bytes);
  assert.equal(batch.isTransactional, false);
  const [record] = readControlRecords(batch);
  assert.equal(record!.type, ControlRecordType.LEADER_CHANGE);
  assert.deepEqual(record!.value, value);
  assertRecordsError(() => readEndTxnMarker(batch), RecordsErrorCode.INVALID_RECORD, /not a transaction marker/);
});

test('malformed control keys and values are typed errors', () => {
  assertRecordsError(() => decodeControlRecordKey(null), RecordsErrorCode.INVALID_RECORD);
  assertRecordsError(() => decodeControlRecordKey(Buffer.from([0, 0, 0])), RecordsErrorCode.INVALID_RECORD);
  assertRecordsError(() => decodeControlRecordKey(Buffer.from([0xff, 0xff, 0, 1])), RecordsErrorCode.INVALID_RECORD);
  assert.deepEqual(decodeControlRecordKey(Buffer.from([0, 1, 0, 1, 9])), { version: 1, type: 1 });
  assertRecordsError(() => decodeEndTxnMarkerValue(Buffer.from([0, 0, 0, 0, 1])), RecordsErrorCode.INVALID_RECORD);
  assertRecordsError(() => decodeEndTxnMarkerValue(null), RecordsErrorCode.INVALID_RECORD);
  const plain = new RecordBatch(buildRecordBatch([{ value: null, timestamp: 0n }]));
  assertRecordsError(() => readControlRecords(plain), RecordsErrorCode.INVALID_RECORD, /not a control batch/);
});
