/**
 * Splits a TCP byte stream into Kafka frames (int32 size, then that many
 * bytes). Small frames are handed out as views of the chunk they arrived in;
 * only a frame that spans chunks is copied, once, into a buffer of its exact
 * size. A size below the smallest request header or above the configured
 * maximum is a protocol violation: the caller closes the connection.
 */

const SIZE_PREFIX_BYTES = 4;
/** api key + api version + correlation id: nothing smaller is a request. */
const FRAME_BYTES_MIN = 8;

export class FrameSizeError extends Error {
  readonly code = 'SAMSA_ERR_FRAME_SIZE';
  constructor(size: number, max: number) {
    super(`frame size ${size} is outside ${FRAME_BYTES_MIN}..${max}`);
    this.name = 'FrameSizeError';
  }
}

export class FrameSplitter {
  private frameBytesMax: number;
  /** A frame under assembly across chunks, or null. */
  private partial: Buffer | null = null;
  private partialFilled = 0;
  /** Up to 3 bytes of a size prefix split across chunks. */
  private prefix: Buffer = Buffer.alloc(SIZE_PREFIX_BYTES);
  private prefixFilled = 0;

  constructor(frameBytesMax: number) {
    this.frameBytesMax = frameBytesMax;
  }

  /** Changes the largest frame accepted from the next size prefix on (a SASL connection's limit rises once authenticated). */
  setFrameBytesMax(frameBytesMax: number): void {
    this.frameBytesMax = frameBytesMax;
  }

  /** Feeds one chunk; calls `onFrame` for each complete frame, in order. Throws FrameSizeError. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      if (this.partial !== null) {
        const want = this.partial.length - this.partialFilled;
        const take = Math.min(want, end - at);
        chunk.copy(this.partial, this.partialFilled, at, at + take);
        this.partialFilled += take;
        at += take;
        if (this.partialFilled === this.partial.length) {
          const frame = this.partial;
          this.partial = null;
          onFrame(frame);
        }
        continue;
      }
      let size: number;
      if (this.prefixFilled === 0 && end - at >= SIZE_PREFIX_BYTES) {
        size = chunk.readInt32BE(at);
        at += SIZE_PREFIX_BYTES;
      } else {
        const take = Math.min(SIZE_PREFIX_BYTES - this.prefixFilled, end - at);
        chunk.copy(this.prefix, this.prefixFilled, at, at + take);
        this.prefixFilled += take;
        at += take;
        if (this.prefixFilled < SIZE_PREFIX_BYTES) return;
        this.prefixFilled = 0;
        size = this.prefix.readInt32BE(0);
      }
      if (size < FRAME_BYTES_MIN || size > this.frameBytesMax) throw new FrameSizeError(size, this.frameBytesMax);
      if (end - at >= size) {
        onFrame(chunk.subarray(at, at + size));
        at += size;
      } else {
        this.partial = Buffer.allocUnsafe(size);
        this.partialFilled = 0;
      }
    }
  }
}
