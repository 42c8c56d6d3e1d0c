import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/**
 * CRC-32C (Castagnoli) as an unsigned 32-bit number, the checksum of a
 * RecordBatch v2. One native call per batch: the hardware instruction runs
 * at memory speed, so the cost is the call, not the bytes.
 */
export function crc32c(bytes: Uint8Array): number {
  return nativeCrc32c(bytes) >>> 0;
}
