/**
 * The SCRAM credentials of delegation tokens, as a broker checks a login
 * with `tokenauth=true`: the username is the token id, the password the
 * base64 of the token's HMAC (HMAC-SHA512 of the id under
 * delegation.token.secret.key). As Kafka's DelegationTokenManager does, the
 * broker derives a SCRAM credential from that password with a random salt
 * and the mechanism's minimum iterations; it is kept per token and
 * mechanism, since the HMAC of a token id never changes. A token the image no
 * longer has, or whose expiry or max time has passed, logs nobody in.
 */
import {
  delegationTokenHmac, tokenExpired, type DelegationTokenSettings, type MetadataImage,
} from '../../metadata/index.ts';
import { sasl } from '../../protocol/index.ts';
import type { ScramCredential } from './sasl-server.ts';

/** Derived credentials kept at most; past this the cache starts over (each costs one PBKDF2 to rebuild). */
const TOKEN_CREDENTIALS_CACHED_MAX = 10_000;

export class DelegationTokenCredentials {
  private readonly image: () => MetadataImage;
  private readonly settings: DelegationTokenSettings;
  private readonly nowMs: () => number;
  private readonly cache = new Map<string, ScramCredential>();

  constructor(image: () => MetadataImage, settings: DelegationTokenSettings, nowMs: () => number) {
    this.image = image;
    this.settings = settings;
    this.nowMs = nowMs;
  }

  lookup(tokenId: string, mechanismName: string): { credential: ScramCredential; owner: string } | null {
    const secretKey = this.settings.secretKey;
    const mechanism = sasl.scram.scramMechanism(mechanismName);
    if (secretKey === null || mechanism === null) return null;
    const key = `${mechanism.name}\u0000${tokenId}`;
    const token = this.image().delegationTokens.get(tokenId);
    if (token === undefined) {
      this.cache.delete(key);
      return null;
    }
    if (tokenExpired(token, this.nowMs())) return null;
    let credential = this.cache.get(key);
    if (credential === undefined) {
      const password = delegationTokenHmac(secretKey, tokenId).toString('base64');
      const salt = sasl.scram.randomSalt();
      const iterations = sasl.scram.SCRAM_ITERATIONS_MIN;
      const keys = sasl.scram.scramKeys(mechanism, sasl.scram.saltedPassword(mechanism, password, salt, iterations));
      credential = { salt, iterations, storedKey: keys.storedKey, serverKey: keys.serverKey };
      if (this.cache.size >= TOKEN_CREDENTIALS_CACHED_MAX) this.cache.clear();
      this.cache.set(key, credential);
    }
    return { credential, owner: token.owner };
  }
}
