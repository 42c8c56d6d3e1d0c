import assert from 'node:assert/strict';
import { ProtocolDecodeError } from '../../src/protocol/decode-error.ts';
import { RecordsError } from '../../src/records/index.ts';

export { seededRandom } from '../helpers/random.ts';

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
