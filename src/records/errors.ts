import { ProtocolDecodeError } from '../protocol/decode-error.ts';

/** The Kafka error codes this layer answers with; the broker copies them into responses unchanged. */
export const RecordsErrorCode = {
  /** Bad length, bad CRC, unknown magic, undecodable records or compressed bytes. */
  CORRUPT_MESSAGE: 2,
  /** A batch, or its decompressed records, larger than the configured maximum. */
  MESSAGE_TOO_LARGE: 10,
  /** Kafka's answer when a produce carries a batch its validator refuses (magic 0/1, control batch, bad counts). */
  INVALID_RECORD: 87,
} as const;

/**
 * A failure caused by the bytes, never by our code: every decoder in
 * src/records throws only this (or the ProtocolDecodeError of the Reader it
 * uses). `position` is where the offending batch starts in the scanned
 * buffer, so log recovery can truncate there; -1 when there is no buffer
 * position (e.g. inside decompressed records).
 */
export class RecordsError extends ProtocolDecodeError {
  readonly position: number;

  constructor(message: string, kafkaErrorCode: number, position = -1) {
    super(message, kafkaErrorCode);
    this.name = 'RecordsError';
    this.position = position;
  }
}

export function corrupt(message: string, position = -1): RecordsError {
  return new RecordsError(message, RecordsErrorCode.CORRUPT_MESSAGE, position);
}
