import assert from 'node:assert/strict';
import { ProtocolDecodeError } from '../../src/protocol/decode-error.ts';
import { RecordsError } from '../../src/records/index.ts';

/** Deterministic PRNG (mulberry32) so a failing fuzz case can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(random: () => number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** Asserts that `fn` throws a RecordsError with the given Kafka code. */
export function assertRecordsError(fn: () => unknown, kafkaErrorCode: number, message?: RegExp): RecordsError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof RecordsError, `expected a RecordsError, got ${String(caught)}`);
  assert.equal(caught.kafkaErrorCode, kafkaErrorCode, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

/** Runs `fn` and rethrows anything that is not the typed decode error. */
export function onlyTypedErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof ProtocolDecodeError)) throw error;
  }
}
