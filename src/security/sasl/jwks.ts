/**
 * The verification keys of a JWKS (JSON Web Key Set, RFC 7517) named by
 * `sasl.oauthbearer.jwks.endpoint.url`, as the OAUTHBEARER JWT validator
 * looks them up: synchronously, from what was last read.
 *
 * - `file:` — read at start (a missing or unreadable set stops the start, as
 *   in Kafka), then read again when the file changes (checked at each lookup
 *   by its size and modification time) or when
 *   `sasl.oauthbearer.jwks.endpoint.refresh.ms` has passed. Kafka reads the
 *   file once; re-reading lets keys be rotated without a restart.
 * - `http:`/`https:` — fetched at start in the background, again every
 *   refresh.ms, and soon after a token names a key id the set lacks (at most
 *   once per retry backoff, which doubles on failure from
 *   `...retry.backoff.ms` to `...retry.backoff.max.ms`). No timer: a lookup
 *   starts the fetch it finds due. A token checked before the first fetch
 *   completes is refused with that reason. https uses the system's CAs.
 *
 * A key the set holds but Node cannot use (an unknown kty) is skipped; keys
 * whose `use` is not `sig` are ignored.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface VerificationKey {
  readonly kid: string | null;
  readonly kty: string;
  /** The algorithm the key is restricted to, when the JWK says. */
  readonly alg: string | null;
  /** EC curve (P-256, P-384, P-521). */
  readonly crv: string | null;
  readonly key: KeyObject;
}

export interface JwksSource {
  /** Where the keys come from, for messages. */
  readonly description: string;
  /** The keys as last read, or why there are none. */
  keys(): readonly VerificationKey[] | { error: string };
  /** A token named a kid the set lacks: a remote set is fetched again soon. */
  missingKid(kid: string): void;
}

const PUBLIC_MEMBERS = ['n', 'e', 'crv', 'x', 'y'] as const;

/** The JWKS a JSON text holds; throws with the reason it cannot be read. */
export function parseJwks(text: string): VerificationKey[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`);
  }
  const list = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new Error('not a JWKS: no "keys" array');
  const keys: VerificationKey[] = [];
  for (const jwk of list as Record<string, unknown>[]) {
    if (jwk === null || typeof jwk !== 'object' || typeof jwk.kty !== 'string') continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    let key: KeyObject;
    try {
      // The public members only: a set that (wrongly) carries private parameters still yields public keys.
      const publicPart: JsonWebKey = { kty: jwk.kty };
      for (const member of PUBLIC_MEMBERS) if (typeof jwk[member] === 'string') publicPart[member] = jwk[member];
      key = createPublicKey({ key: publicPart, format: 'jwk' });
    } catch {
      continue;
    }
    keys.push({
      kid: typeof jwk.kid === 'string' ? jwk.kid : null, kty: jwk.kty, key,
      alg: typeof jwk.alg === 'string' ? jwk.alg : null, crv: typeof jwk.crv === 'string' ? jwk.crv : null,
    });
  }
  return keys;
}

/** A JWKS file, read again when it changes or every `refreshMs`. Throws (at construction) when it cannot be read. */
export class JwksFile implements JwksSource {
  readonly description: string;
  private readonly path: string;
  private readonly refreshMs: number;
  private readonly nowMs: () => number;
  private current: readonly VerificationKey[];
  private stamp: string;
  private loadedAtMs: number;

  constructor(url: URL, refreshMs: number, nowMs: () => number) {
    this.path = fileURLToPath(url);
    this.description = url.href;
    this.refreshMs = refreshMs;
    this.nowMs = nowMs;
    this.stamp = this.stampNow();
    this.current = parseJwks(readFileSync(this.path, 'utf8'));
    this.loadedAtMs = nowMs();
  }

  keys(): readonly VerificationKey[] {
    let stamp: string;
    try {
      stamp = this.stampNow();
    } catch {
      return this.current; // gone for a moment (replaced by rename): keep the keys last read
    }
    if (stamp !== this.stamp || this.nowMs() - this.loadedAtMs >= this.refreshMs) {
      try {
        this.current = parseJwks(readFileSync(this.path, 'utf8'));
        this.stamp = stamp;
        this.loadedAtMs = this.nowMs();
      } catch {
        // Half written: the keys last read stay until the file reads whole.
      }
    }
    return this.current;
  }

  missingKid(): void {}

  private stampNow(): string {
    const s = statSync(this.path);
    if (!s.isFile()) throw new Error(`${this.path} is not a file`);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  }
}

export interface HttpJwksTiming {
  refreshMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
}

/** Bounds one JWKS fetch. */
const JWKS_FETCH_TIMEOUT_MS = 10_000;
const JWKS_BYTES_MAX = 1024 * 1024;

/** A JWKS served over http(s), fetched in the background when a lookup finds it due. */
export class JwksHttp implements JwksSource {
  readonly description: string;
  private readonly url: string;
  private readonly timing: HttpJwksTiming;
  private readonly nowMs: () => number;
  private readonly log: (line: string) => void;
  private current: readonly VerificationKey[] | null = null;
  private lastError = 'not fetched yet';
  private fetchedAtMs = -Infinity;
  private attemptedAtMs = -Infinity;
  private backoffMs: number;
  private inFlight: Promise<void> | null = null;

  constructor(url: URL, timing: HttpJwksTiming, nowMs: () => number, log: (line: string) => void) {
    this.url = url.href;
    this.description = url.href;
    this.timing = timing;
    this.nowMs = nowMs;
    this.log = log;
    this.backoffMs = timing.retryBackoffMs;
    this.refresh();
  }

  keys(): readonly VerificationKey[] | { error: string } {
    const now = this.nowMs();
    if (now - this.fetchedAtMs >= this.timing.refreshMs && now - this.attemptedAtMs >= this.backoffMs) this.refresh();
    return this.current ?? { error: `the JWKS at ${this.url} is not available yet (${this.lastError})` };
  }

  missingKid(): void {
    if (this.nowMs() - this.attemptedAtMs >= this.backoffMs) this.refresh();
  }

  /** Resolves once the fetch under way (if any) has finished: for tests and a start that wants the keys first. */
  settled(): Promise<void> {
    return this.inFlight ?? Promise.resolve();
  }

  private refresh(): void {
    if (this.inFlight !== null) return;
    this.attemptedAtMs = this.nowMs();
    this.inFlight = this.fetchOnce().then(
      (keys) => {
        this.current = keys;
        this.fetchedAtMs = this.nowMs();
        this.backoffMs = this.timing.retryBackoffMs;
      },
      (e: Error) => {
        this.lastError = e.message;
        this.backoffMs = Math.min(this.backoffMs * 2, this.timing.retryBackoffMaxMs);
        this.log(`OAUTHBEARER: cannot fetch the JWKS at ${this.url}: ${e.message}`);
      },
    ).finally(() => {
      this.inFlight = null;
    });
  }

  private async fetchOnce(): Promise<VerificationKey[]> {
    const response = await fetch(this.url, { signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS), headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const text = await response.text();
    if (text.length > JWKS_BYTES_MAX) throw new Error(`the answer is larger than ${JWKS_BYTES_MAX} bytes`);
    return parseJwks(text);
  }
}
