/**
 * The one error a decoder may throw on untrusted bytes. Anything else escaping
 * a decoder is a bug. Servers map it to "close this connection"; callers that
 * can answer with a Kafka error code use `kafkaErrorCode`.
 */
export class ProtocolDecodeError extends Error {
  readonly code = 'SAMSA_ERR_PROTOCOL_DECODE';
  /** Kafka error code a peer should see, when the failure has one (e.g. CORRUPT_MESSAGE = 2). */
  readonly kafkaErrorCode: number;

  constructor(message: string, kafkaErrorCode = 2) {
    super(message);
    this.name = 'ProtocolDecodeError';
    this.kafkaErrorCode = kafkaErrorCode;
  }
}

/** Raised by encoders when a value cannot be expressed in the requested version. */
export class ProtocolEncodeError extends Error {
  readonly code = 'SAMSA_ERR_PROTOCOL_ENCODE';

  constructor(message: string) {
    super(message);
    this.name = 'ProtocolEncodeError';
  }
}
