/**
 * `bootstrap.checkpoint` in the metadata log directory, as Kafka's storage
 * tool writes it: the records the first active controller commits to an
 * empty metadata log — the metadata.version feature level and, with
 * `samsa storage format --add-scram`, SCRAM credentials. Those are what lets
 * brokers log in to each other with SCRAM before any admin could create a
 * user (the credentials otherwise live only in the metadata log).
 *
 * Format: one record batch (v2) whose record values are metadata records in
 * their `__cluster_metadata` framing (record-frame.ts), the way a metadata
 * snapshot holds them. Kafka's file also carries snapshot header and footer
 * control records; Samsa neither writes nor needs them.
 */
import { join } from 'node:path';
import {
  FeatureName, METADATA_VERSION_LEVEL, decodeMetadataRecord, encodeMetadataRecord, metadataRecord, records as recordCodecs,
  type MetadataRecord,
} from '../metadata/index.ts';
import { buildRecordBatch, readBatchRecords, scanBatches } from '../records/index.ts';
import { readFileIfExists, writeFileDurably } from '../storage/index.ts';

export const BOOTSTRAP_FILE_NAME = 'bootstrap.checkpoint';

/** The records a fresh metadata log starts with: metadata.version first, then `extra` (SCRAM credentials). */
export function bootstrapRecords(extra: readonly MetadataRecord[]): MetadataRecord[] {
  const version = metadataRecord(recordCodecs.FeatureLevelRecord, { name: FeatureName.MetadataVersion, featureLevel: METADATA_VERSION_LEVEL });
  return [version, ...extra];
}

export function writeBootstrapMetadata(metadataLogDir: string, records: readonly MetadataRecord[], nowMs: number): void {
  const timestamp = BigInt(nowMs);
  const batch = buildRecordBatch(records.map((r) => ({ key: null, value: encodeMetadataRecord(r), timestamp })));
  writeFileDurably(join(metadataLogDir, BOOTSTRAP_FILE_NAME), batch);
}

/** The directory's bootstrap records, or null when it has no bootstrap file. Throws on a file that is not whole batches of metadata records. */
export function readBootstrapMetadata(metadataLogDir: string): MetadataRecord[] | null {
  const path = join(metadataLogDir, BOOTSTRAP_FILE_NAME);
  const bytes = readFileIfExists(path);
  if (bytes === null) return null;
  const scan = scanBatches(bytes);
  if (scan.validBytes !== bytes.length) throw new Error(`${path}: ${bytes.length - scan.validBytes} bytes past the last whole record batch`);
  const out: MetadataRecord[] = [];
  for (const batch of scan.batches) {
    for (const r of readBatchRecords(batch)) {
      if (r.value === null) throw new Error(`${path}: a record without a value`);
      out.push(decodeMetadataRecord(r.value));
    }
  }
  return out;
}
