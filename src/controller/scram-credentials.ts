/**
 * AlterUserScramCredentials as Kafka's ScramControlManager decides it: each
 * user may appear once in a request (a second deletion or upsertion of the
 * same user, whatever the mechanism, makes that user DUPLICATE_RESOURCE);
 * names must not be empty, mechanisms must be SCRAM-SHA-256 or -512,
 * iterations within [4096, 16384], and a deletion must name an existing
 * credential. The client sends the salted password; what is stored is the
 * stored key and server key derived from it, never the salted password.
 * Records for every accepted change commit together.
 */
import { ErrorCode, sasl } from '../protocol/index.ts';
import { metadataRecord, records as recordCodecs, type MetadataImage, type MetadataRecord } from '../metadata/index.ts';

export interface ScramDeletion { name: string; mechanism: number }
export interface ScramUpsertion { name: string; mechanism: number; iterations: number; salt: Buffer; saltedPassword: Buffer }
export interface ScramAlterationResult { user: string; errorCode: number; errorMessage: string | null }

type Refusal = { errorCode: number; errorMessage: string };

const DUPLICATE: Refusal = { errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'A user credential cannot be altered twice in the same request' };

function checkUserAndMechanism(name: string, mechanismType: number): Refusal | sasl.scram.ScramMechanism {
  if (name === '') return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Username must not be empty' };
  return sasl.scram.scramMechanismByType(mechanismType) ?? { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: 'Unknown SCRAM mechanism' };
}

function checkDeletion(image: MetadataImage, d: ScramDeletion): Refusal | null {
  const mechanism = checkUserAndMechanism(d.name, d.mechanism);
  if ('errorCode' in mechanism) return mechanism;
  if (image.scramCredential(d.name, mechanism.name) === null) {
    return { errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to delete a user credential that does not exist' };
  }
  return null;
}

function checkUpsertion(u: ScramUpsertion): Refusal | null {
  const mechanism = checkUserAndMechanism(u.name, u.mechanism);
  if ('errorCode' in mechanism) return mechanism;
  if (u.iterations < sasl.scram.SCRAM_ITERATIONS_MIN) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too few iterations' };
  if (u.iterations > sasl.scram.SCRAM_ITERATIONS_MAX) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too many iterations' };
  // Kafka fails here inside HMAC (an empty key) with an unknown server error; the client's mistake is named instead.
  if (u.saltedPassword.length === 0) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Salted password must not be empty' };
  return null;
}

/** The answer for each user and, appended to `out`, the records of the accepted changes. */
export function planScramAlterations(
  image: MetadataImage, deletions: readonly ScramDeletion[], upsertions: readonly ScramUpsertion[], out: MetadataRecord[],
): ScramAlterationResult[] {
  const toDelete = new Map<string, ScramDeletion>();
  const toUpsert = new Map<string, ScramUpsertion>();
  const refused = new Map<string, Refusal>();
  for (const d of deletions) {
    if (refused.has(d.name)) continue;
    if (toDelete.delete(d.name)) {
      refused.set(d.name, DUPLICATE);
      continue;
    }
    const refusal = checkDeletion(image, d);
    if (refusal !== null) refused.set(d.name, refusal);
    else toDelete.set(d.name, d);
  }
  for (const u of upsertions) {
    if (refused.has(u.name)) continue;
    if (toDelete.delete(u.name) || toUpsert.delete(u.name)) {
      refused.set(u.name, DUPLICATE);
      continue;
    }
    const refusal = checkUpsertion(u);
    if (refusal !== null) refused.set(u.name, refusal);
    else toUpsert.set(u.name, u);
  }
  const results: ScramAlterationResult[] = [];
  for (const d of toDelete.values()) {
    out.push(metadataRecord(recordCodecs.RemoveUserScramCredentialRecord, { name: d.name, mechanism: d.mechanism }, 0));
    results.push({ user: d.name, errorCode: ErrorCode.NONE, errorMessage: null });
  }
  for (const u of toUpsert.values()) {
    const keys = sasl.scram.scramKeys(sasl.scram.scramMechanismByType(u.mechanism)!, u.saltedPassword);
    out.push(metadataRecord(recordCodecs.UserScramCredentialRecord, {
      name: u.name, mechanism: u.mechanism, salt: u.salt, storedKey: keys.storedKey, serverKey: keys.serverKey, iterations: u.iterations,
    }, 0));
    results.push({ user: u.name, errorCode: ErrorCode.NONE, errorMessage: null });
  }
  for (const [user, r] of refused) results.push({ user, errorCode: r.errorCode, errorMessage: r.errorMessage });
  return results;
}
