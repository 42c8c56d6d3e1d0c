/**
 * The recovery read of one `.log` file: every batch from the start,
 * CRC-checked by records' scanBatches, in chunks of up to 8 MiB so a 1 GiB
 * segment never needs a 1 GiB buffer. It stops at the first byte that is not
 * a whole, valid batch and says why; the caller truncates there.
 */
import { RECORD_BATCH_OVERHEAD, type RecordBatch, RecordsError, scanBatches } from '../records/index.ts';
import { INT32_MAX } from './config.ts';
import { readFully } from './fs-util.ts';

const RECOVERY_CHUNK_BYTES = 8 * 1024 * 1024;
/**
 * Largest batch recovery accepts. Any int32 length: the file's own size is
 * the real bound (a length past the end is a torn tail), and a lower cap
 * would silently cut legitimate batches written under a larger
 * max.message.bytes.
 */
const RECOVERY_BATCH_BYTES_MAX = INT32_MAX;

export interface LogScan {
  /** Bytes from the start of the file covered by accepted batches. */
  validBytes: number;
  /** Why the scan stopped before the end of the file, or null when every byte was accepted. */
  problem: string | null;
}

/** Return a problem to reject the batch (the scan stops in front of it), or null to accept it. */
export type BatchVisitor = (batch: RecordBatch, position: number) => string | null;

export function scanLogFile(fd: number, fileBytes: number, visit: BatchVisitor): LogScan {
  let chunk = Buffer.allocUnsafe(Math.min(RECOVERY_CHUNK_BYTES, Math.max(fileBytes, 1)));
  let position = 0;
  // Every pass either accepts at least one batch, grows the chunk to fit the next one, or returns.
  const passesMax = Math.ceil(fileBytes / RECORD_BATCH_OVERHEAD) + 2;
  for (let pass = 0; position < fileBytes; pass++) {
    if (pass > passesMax) throw new Error(`recovery scan of ${fileBytes} bytes did not finish`);
    const length = Math.min(chunk.length, fileBytes - position);
    const got = readFully(fd, chunk, 0, length, position);
    const view = chunk.subarray(0, got);
    const reachedEnd = position + got >= fileBytes;
    const step = visitChunk(view, position, visit);
    if (step.problem !== null) return { validBytes: position + step.validBytes, problem: step.problem };
    position += step.validBytes;
    if (step.validBytes === got) continue;
    if (reachedEnd) return { validBytes: position, problem: `torn batch: ${fileBytes - position} trailing bytes` };
    if (step.validBytes === 0) {
      // One batch larger than the chunk: its length is already known to be sane, so read it whole.
      const batchBytes = 12 + view.readInt32BE(8);
      if (batchBytes > fileBytes - position) return { validBytes: position, problem: 'torn batch at the end of the file' };
      chunk = Buffer.allocUnsafe(batchBytes);
    }
  }
  return { validBytes: position, problem: null };
}

/** Scans one chunk; validBytes < view.length with no problem means a batch crosses the chunk's end. */
function visitChunk(view: Buffer, chunkPosition: number, visit: BatchVisitor): LogScan {
  let batches: RecordBatch[];
  let problem: string | null = null;
  let limit = view.length;
  try {
    batches = scanBatches(view, { verifyCrc: true, batchBytesMax: RECOVERY_BATCH_BYTES_MAX }).batches;
  } catch (error) {
    if (!(error instanceof RecordsError) || error.position < 0) throw error;
    // Everything in front of the bad batch was whole and valid; keep it.
    limit = error.position;
    problem = error.message;
    batches = scanBatches(view.subarray(0, limit), { verifyCrc: true, batchBytesMax: RECOVERY_BATCH_BYTES_MAX }).batches;
  }
  let validBytes = 0;
  for (const batch of batches) {
    const rejection = visit(batch, chunkPosition + batch.offset);
    if (rejection !== null) return { validBytes, problem: rejection };
    validBytes = batch.offset + batch.sizeInBytes;
  }
  return { validBytes, problem };
}
