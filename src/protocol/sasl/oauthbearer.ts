/**
 * SASL/OAUTHBEARER message formats (RFC 7628 as Kafka uses it, KIP-255 and
 * KIP-342), pure and shared by the broker's mechanism and Samsa's client:
 *
 *   client initial response:  n,[a=<authzid>],^Aauth=Bearer <token>^A[<key>=<value>^A]*^A
 *   server, on success:       an empty token
 *   server, on a bad token:   {"status":"invalid_token"} (a JSON error), which
 *                             the client acknowledges with a lone ^A before
 *                             the server fails the authentication
 *
 * ^A is the byte 0x01. Also here: JWT compact serialization split into its
 * parts, and Kafka's unsecured login token (an `alg: none` JWT built from
 * `unsecuredLogin*` JAAS options) that a development client presents.
 */

export const OAUTHBEARER_MECHANISM = 'OAUTHBEARER';
/** The separator of the client's message, and alone the client's answer to a server error. */
export const CONTROL_A = 0x01;

const SEPARATOR = '\u0001';
const SASLNAME = String.raw`(?:[\x01-\x2B\x2D-\x3C\x3E-\x7F]|=2C|=3D)+`;
const KEY = '[A-Za-z]+';
const VALUE = String.raw`[\x21-\x7E \t\r\n]+`;
const KVPAIRS = `(?:${KEY}=${VALUE}${SEPARATOR})*`;
const CLIENT_INITIAL_RESPONSE = new RegExp(`^n,(?:a=(${SASLNAME}))?,${SEPARATOR}(${KVPAIRS})${SEPARATOR}$`);
const AUTH = /^(\w+) +([-_~+/.a-zA-Z0-9]+=*)$/;
const EXTENSION_KEY = new RegExp(`^${KEY}$`);
const EXTENSION_VALUE = new RegExp(`^${VALUE}$`);
const AUTH_KEY = 'auth';

export interface ClientInitialResponse {
  /** The bearer token, as sent. */
  token: string;
  /** The authorization id asked for, '' when none. */
  authzid: string;
  /** SASL extensions (KIP-342): every key=value pair but `auth`. */
  extensions: Map<string, string>;
}

/** The client's first message, or the reason it is malformed (Kafka's SaslException texts). */
export function parseClientInitialResponse(message: Buffer): ClientInitialResponse | { error: string } {
  const text = message.toString('utf8');
  const m = CLIENT_INITIAL_RESPONSE.exec(text);
  if (m === null) return { error: 'Invalid OAUTHBEARER client first message' };
  const pairs = new Map<string, string>();
  for (const pair of m[2]!.split(SEPARATOR)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    pairs.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const auth = pairs.get(AUTH_KEY);
  if (auth === undefined) return { error: 'Invalid OAUTHBEARER client first message: \'auth\' not specified' };
  pairs.delete(AUTH_KEY);
  const a = AUTH.exec(auth);
  if (a === null) return { error: 'Invalid OAUTHBEARER client first message: invalid \'auth\' format' };
  if (a[1]!.toLowerCase() !== 'bearer') return { error: `Invalid scheme in OAUTHBEARER client first message: ${a[1]}` };
  return { token: a[2]!, authzid: m[1] ?? '', extensions: pairs };
}

/** Why a set of extensions cannot be sent, or null when it can. */
export function extensionsError(extensions: ReadonlyMap<string, string>): string | null {
  for (const [key, value] of extensions) {
    if (key === AUTH_KEY || !EXTENSION_KEY.test(key)) return `Extension name ${key} is invalid`;
    if (!EXTENSION_VALUE.test(value)) return `Extension value (${value}) for extension ${key} is invalid`;
  }
  return null;
}

/** The client's first message. Throws RangeError for extensions the grammar cannot carry. */
export function formatClientInitialResponse(token: string, extensions: ReadonlyMap<string, string> = new Map(), authzid = ''): Buffer {
  const problem = extensionsError(extensions);
  if (problem !== null) throw new RangeError(problem);
  let kv = `auth=Bearer ${token}`;
  for (const [key, value] of extensions) kv += `${SEPARATOR}${key}=${value}`;
  return Buffer.from(`n,${authzid === '' ? '' : `a=${authzid}`},${SEPARATOR}${kv}${SEPARATOR}${SEPARATOR}`, 'utf8');
}

/** The server's JSON error challenge (RFC 7628 section 3.2.2), as Kafka writes it. */
export function formatServerError(status: string, scope: string | null = null, openidConfiguration: string | null = null): Buffer {
  let json = `{"status":"${status}"`;
  if (scope !== null) json += `, "scope":"${scope}"`;
  if (openidConfiguration !== null) json += `, "openid-configuration":"${openidConfiguration}"`;
  return Buffer.from(`${json}}`, 'utf8');
}

export interface JwtParts {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** `<header>.<payload>`, the bytes a signature covers. */
  signingInput: string;
  /** The signature's base64url text ('' for an unsecured JWT). */
  signature: string;
}

/** A JWS compact serialization split and its JSON parts decoded, or the reason it cannot be. */
export function splitJwt(token: string): JwtParts | { error: string } {
  const parts = token.split('.');
  if (parts.length !== 3) return { error: `a JWT has three dot-separated parts (header, payload, signature); this one has ${parts.length}` };
  const header = jsonObjectOf(parts[0]!);
  if (typeof header === 'string') return { error: `the JWT header is ${header}` };
  const claims = jsonObjectOf(parts[1]!);
  if (typeof claims === 'string') return { error: `the JWT payload is ${claims}` };
  return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: parts[2]! };
}

const BASE64URL = /^[A-Za-z0-9_\-+/]*={0,2}$/;

function jsonObjectOf(part: string): Record<string, unknown> | string {
  if (part === '' || !BASE64URL.test(part)) return 'not Base64URL';
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return 'not JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  return value as Record<string, unknown>;
}

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** An unsecured JWT (`alg: none`, empty signature) with these claims. */
export function unsecuredJwt(claims: Record<string, unknown>): string {
  return `${base64url(JSON.stringify({ alg: 'none' }))}.${base64url(JSON.stringify(claims))}.`;
}

const LOGIN = 'unsecuredLogin';
const STRING_CLAIM = `${LOGIN}StringClaim_`;
const NUMBER_CLAIM = `${LOGIN}NumberClaim_`;
const LIST_CLAIM = `${LOGIN}ListClaim_`;
const EXTENSION = `${LOGIN}Extension_`;
const RESERVED_CLAIMS: ReadonlySet<string> = new Set(['iat', 'exp']);
const LIFETIME_SECONDS_DEFAULT = 3600;

export interface UnsecuredLogin {
  /** The JWT to present; valid for `unsecuredLoginLifetimeSeconds` (default an hour) from `nowMs`. */
  token: string;
  extensions: Map<string, string>;
}

/**
 * Kafka's OAuthBearerUnsecuredLoginCallbackHandler: a token from the JAAS
 * options `unsecuredLoginStringClaim_<name>`, `unsecuredLoginNumberClaim_<name>`,
 * `unsecuredLoginListClaim_<name>` (the first character is the separator),
 * `unsecuredLoginPrincipalClaimName` (default sub),
 * `unsecuredLoginLifetimeSeconds` (default 3600), and SASL extensions from
 * `unsecuredLoginExtension_<name>`. Throws RangeError with Kafka's reason when
 * the options cannot make a token (no principal claim, iat/exp set by hand).
 */
export function unsecuredLogin(options: ReadonlyMap<string, string>, nowMs: number): UnsecuredLogin {
  const names = [...options.keys()];
  if (names.length > 0 && names.every((n) => n.startsWith(EXTENSION))) throw new RangeError('Extensions provided in login context without a token');
  const principalClaim = (options.get(`${LOGIN}PrincipalClaimName`) ?? '').trim() || 'sub';
  const lifetimeText = options.get(`${LOGIN}LifetimeSeconds`) ?? String(LIFETIME_SECONDS_DEFAULT);
  const lifetimeSeconds = Number(lifetimeText);
  if (lifetimeText.trim() === '' || !Number.isInteger(lifetimeSeconds)) throw new RangeError(`${LOGIN}LifetimeSeconds is not a number: ${lifetimeText}`);
  const iat = nowMs / 1000;
  const claims: Record<string, unknown> = { exp: iat + lifetimeSeconds, iat };
  const extensions = new Map<string, string>();
  for (const [key, value] of options) {
    const claim = (prefix: string): string | null => {
      if (!key.startsWith(prefix) || key.length === prefix.length) return null;
      const name = key.slice(prefix.length);
      if (RESERVED_CLAIMS.has(name)) throw new RangeError(`Cannot explicitly set the '${name}' claim`);
      return name;
    };
    let name: string | null;
    if ((name = claim(STRING_CLAIM)) !== null) claims[name] = value;
    else if ((name = claim(NUMBER_CLAIM)) !== null) {
      const n = Number(value);
      if (value.trim() === '' || Number.isNaN(n)) throw new RangeError(`${key} is not a number: ${value}`);
      claims[name] = n;
    } else if ((name = claim(LIST_CLAIM)) !== null) claims[name] = listClaim(value);
    else if (key.startsWith(EXTENSION)) extensions.set(key.slice(EXTENSION.length), value);
  }
  const principal = claims[principalClaim];
  if (typeof principal !== 'string' || principal.trim() === '') throw new RangeError(`No principal name in JWT claim: ${principalClaim}`);
  const problem = extensionsError(extensions);
  if (problem !== null) throw new RangeError(problem);
  return { token: unsecuredJwt(claims), extensions };
}

/** `,a,b` → ['a', 'b']: the first character separates the elements (an empty element stays). */
function listClaim(value: string): string[] {
  if (value.length <= 1) return [];
  return value.slice(1).split(value[0]!);
}
