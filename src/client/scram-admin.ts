/**
 * SCRAM credentials, as Java's Admin has them (alterUserScramCredentials,
 * describeUserScramCredentials): what `samsa configs --entity-type users` is
 * built on. The password never leaves the client: for each upsertion the
 * client picks a random salt and sends the salted password (PBKDF2 with the
 * mechanism's HMAC), from which the controller derives the keys it stores.
 * Results are per user, as Kafka answers them; nothing throws for a user's error.
 */
import { ApiKey, ClientError, ErrorCode, errorName, messages, sasl } from '../protocol/index.ts';
import type { Cluster } from './cluster.ts';

export type ScramMechanismName = sasl.scram.ScramMechanismName;

export type UserScramCredentialAlteration =
  | { kind: 'upsert'; user: string; mechanism: ScramMechanismName; password: string; iterations?: number }
  | { kind: 'delete'; user: string; mechanism: ScramMechanismName };

export interface UserScramAlterationResult {
  user: string;
  errorCode: number;
  /** Kafka's error name, 'NONE' on success. */
  error: string;
  errorMessage: string | null;
}

export interface UserScramCredentialsDescription {
  user: string;
  errorCode: number;
  error: string;
  errorMessage: string | null;
  credentials: { mechanism: string; iterations: number }[];
}

function result(user: string, errorCode: number, errorMessage: string | null): UserScramAlterationResult {
  return { user, errorCode, error: errorName(errorCode), errorMessage };
}

export class ScramAdmin {
  private readonly cluster: Cluster;

  constructor(cluster: Cluster) {
    this.cluster = cluster;
  }

  /**
   * Upserts and deletes in one request. As Java's Admin does, an alteration
   * with an empty user or password or an unknown mechanism is answered here
   * and not sent; the broker answers the rest (one user may appear once per request).
   */
  async alterUserScramCredentials(alterations: readonly UserScramCredentialAlteration[]): Promise<UserScramAlterationResult[]> {
    const local = new Map<string, UserScramAlterationResult>();
    const request = messages.AlterUserScramCredentialsRequest.defaults();
    for (const a of alterations) {
      const mechanism = sasl.scram.scramMechanism(a.mechanism);
      if (local.has(a.user)) continue;
      if (a.user === '') local.set(a.user, result(a.user, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'));
      else if (mechanism === null) local.set(a.user, result(a.user, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'));
      else if (a.kind === 'delete') {
        request.deletions.push({ ...messages.defaultAlterUserScramCredentialsRequestScramCredentialDeletion(), name: a.user, mechanism: mechanism.type });
      } else if (a.password === '') local.set(a.user, result(a.user, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Password must not be empty'));
      else request.upsertions.push(upsertion(mechanism, a.user, a.password, a.iterations ?? sasl.scram.SCRAM_ITERATIONS_DEFAULT));
    }
    request.deletions = request.deletions.filter((d) => !local.has(d.name));
    request.upsertions = request.upsertions.filter((u) => !local.has(u.name));
    const sent = [...new Set([...request.deletions.map((d) => d.name), ...request.upsertions.map((u) => u.name)])];
    const answered = new Map<string, UserScramAlterationResult>();
    if (sent.length > 0) {
      const res = await (await this.cluster.any()).request(ApiKey.AlterUserScramCredentials, request);
      for (const r of res.results) answered.set(r.user, result(r.user, r.errorCode, r.errorMessage));
    }
    const users = [...new Set(alterations.map((a) => a.user))];
    return users.map((user) => local.get(user) ?? answered.get(user)
      ?? result(user, ErrorCode.UNKNOWN_SERVER_ERROR, `The broker response did not contain a result for user ${user}`));
  }

  /** The mechanisms and iteration counts of the users named, or (null or none) of every user with a credential. */
  async describeUserScramCredentials(users: readonly string[] | null = null): Promise<UserScramCredentialsDescription[]> {
    const res = await (await this.cluster.any()).request(ApiKey.DescribeUserScramCredentials, {
      ...messages.DescribeUserScramCredentialsRequest.defaults(),
      users: users === null ? null : users.map((name) => ({ ...messages.defaultDescribeUserScramCredentialsRequestUserName(), name })),
    });
    if (res.errorCode !== ErrorCode.NONE) {
      throw new ClientError(`describing SCRAM credentials failed: ${res.errorMessage ?? errorName(res.errorCode)} (${errorName(res.errorCode)})`, errorName(res.errorCode), res.errorCode);
    }
    return res.results.map((r) => ({
      user: r.user, errorCode: r.errorCode, error: errorName(r.errorCode), errorMessage: r.errorMessage,
      credentials: r.credentialInfos.map((c) => ({ mechanism: sasl.scram.scramMechanismByType(c.mechanism)?.name ?? 'UNKNOWN', iterations: c.iterations })),
    }));
  }
}

function upsertion(
  mechanism: sasl.scram.ScramMechanism, user: string, password: string, iterations: number,
): messages.AlterUserScramCredentialsRequestScramCredentialUpsertion {
  const salt = sasl.scram.randomSalt();
  // Iterations out of range are the broker's to refuse (UNACCEPTABLE_CREDENTIAL); hashing them here is bounded all the same.
  const hashed = Math.min(Math.max(iterations, 1), sasl.scram.SCRAM_ITERATIONS_MAX);
  return {
    ...messages.defaultAlterUserScramCredentialsRequestScramCredentialUpsertion(),
    name: user, mechanism: mechanism.type, iterations, salt, saltedPassword: sasl.scram.saltedPassword(mechanism, password, salt, hashed),
  };
}
