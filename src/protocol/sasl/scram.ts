/**
 * SCRAM (RFC 5802, with SHA-256 and SHA-512 as RFC 7677 and Kafka define
 * them): the key derivation both ends share, and the four messages as text.
 * Pure: no state, no I/O. The broker's mechanism (src/security/sasl), the
 * controller (credentials it stores from a client's salted password) and
 * Samsa's client all build on it, which is why it sits in the protocol layer.
 *
 * Keys, for a mechanism with hash H and HMAC:
 *   SaltedPassword = Hi(password, salt, iterations)   (PBKDF2 with HMAC-H)
 *   ClientKey = HMAC(SaltedPassword, "Client Key"), StoredKey = H(ClientKey)
 *   ServerKey = HMAC(SaltedPassword, "Server Key")
 *   AuthMessage = client-first-bare "," server-first "," client-final-without-proof
 *   ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage)
 *   ServerSignature = HMAC(ServerKey, AuthMessage)
 * Passwords are used as their UTF-8 bytes, without SASLprep, as Kafka does.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** Kafka's bounds on a SCRAM credential's iteration count (ScramMechanism.minIterations, ScramControlManager.MAX_ITERATIONS). */
export const SCRAM_ITERATIONS_MIN = 4096;
export const SCRAM_ITERATIONS_MAX = 16384;
/** kafka-configs.sh's iteration count when none is given. */
export const SCRAM_ITERATIONS_DEFAULT = 4096;

export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface ScramMechanism {
  readonly name: ScramMechanismName;
  /** The id in AlterUserScramCredentials, DescribeUserScramCredentials and the metadata records (Kafka's ScramMechanism.type). */
  readonly type: number;
  readonly hash: 'sha256' | 'sha512';
  readonly keyBytes: number;
}

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = Object.freeze([
  Object.freeze({ name: 'SCRAM-SHA-256', type: 1, hash: 'sha256', keyBytes: 32 } as const),
  Object.freeze({ name: 'SCRAM-SHA-512', type: 2, hash: 'sha512', keyBytes: 64 } as const),
]);

export function scramMechanism(name: string): ScramMechanism | null {
  return SCRAM_MECHANISMS.find((m) => m.name === name) ?? null;
}

export function scramMechanismByType(type: number): ScramMechanism | null {
  return SCRAM_MECHANISMS.find((m) => m.type === type) ?? null;
}

export interface ScramKeys {
  storedKey: Buffer;
  serverKey: Buffer;
}

export function hmac(m: ScramMechanism, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(m.hash, key).update(data).digest();
}

export function hash(m: ScramMechanism, data: Buffer): Buffer {
  return createHash(m.hash).update(data).digest();
}

/** Hi(): PBKDF2 with HMAC-H, one block of the hash's length. */
export function saltedPassword(m: ScramMechanism, password: string | Buffer, salt: Buffer, iterations: number): Buffer {
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`SCRAM iterations must be a positive integer, not ${iterations}`);
  return pbkdf2Sync(typeof password === 'string' ? Buffer.from(password, 'utf8') : password, salt, iterations, m.keyBytes, m.hash);
}

export function clientKey(m: ScramMechanism, salted: Buffer): Buffer {
  return hmac(m, salted, 'Client Key');
}

export function serverKey(m: ScramMechanism, salted: Buffer): Buffer {
  return hmac(m, salted, 'Server Key');
}

/** What a server stores for a user: never the password, never the salted password. */
export function scramKeys(m: ScramMechanism, salted: Buffer): ScramKeys {
  return { storedKey: hash(m, clientKey(m, salted)), serverKey: serverKey(m, salted) };
}

export function xor(a: Buffer, b: Buffer): Buffer {
  if (a.length !== b.length) throw new RangeError(`xor of ${a.length} and ${b.length} bytes`);
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** A random salt, as Kafka's admin client makes one for each credential. */
export function randomSalt(): Buffer {
  return randomBytes(32);
}

/** A nonce of printable characters without ',' (base64 of random bytes). */
export function randomNonce(): string {
  return randomBytes(24).toString('base64');
}

/** RFC 5802 saslname: ',' and '=' in a username travel as =2C and =3D. */
export function saslName(username: string): string {
  return username.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

export function usernameFromSaslName(name: string): string {
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

export function authMessage(clientFirstBare: string, serverFirst: string, clientFinalWithoutProof: string): string {
  return `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
}

// Message grammar (RFC 5802 section 7), as regular expressions over the decoded text.
const SASLNAME = String.raw`(?:[^\x00=,]|=2C|=3D)+`;
const PRINTABLE = String.raw`[\x21-\x2B\x2D-\x7E]+`;
const VALUE = String.raw`[\x01-\x2B\x2D-\x7F]*`;
const BASE64 = '(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?';
const EXTENSIONS = `(?:,[A-Za-z]+=${VALUE})*`;
const CLIENT_FIRST = new RegExp(`^([ny]),(?:a=(${SASLNAME}))?,((?:m=${VALUE},)?n=(${SASLNAME}),r=(${PRINTABLE})(${EXTENSIONS}))$`, 's');
const SERVER_FIRST = new RegExp(`^(?:m=${VALUE},)?r=(${PRINTABLE}),s=(${BASE64}),i=([0-9]{1,9})${EXTENSIONS}$`);
const CLIENT_FINAL = new RegExp(`^(c=(${BASE64}),r=(${PRINTABLE})${EXTENSIONS}),p=(${BASE64})$`);
const SERVER_FINAL = new RegExp(`^(?:e=([^,]*)|v=(${BASE64}))${EXTENSIONS}$`);

export interface ClientFirstMessage {
  /** 'n,,' or 'n,a=<authzid>,' (and 'y' in place of 'n'): what the channel binding of the final message must carry. */
  gs2Header: string;
  /** The authorization id asked for, '' when none. */
  authzid: string;
  username: string;
  nonce: string;
  /** Extensions after the nonce (Kafka's tokenauth=true for delegation tokens, and others). */
  extensions: Map<string, string>;
  /** client-first-message-bare, exactly as received: part of the AuthMessage. */
  bare: string;
}

export function parseClientFirst(text: string): ClientFirstMessage | null {
  const m = CLIENT_FIRST.exec(text);
  if (m === null) return null;
  const authzid = m[2] === undefined ? '' : usernameFromSaslName(m[2]);
  const extensions = new Map<string, string>();
  for (const ext of m[6]!.split(',').slice(1)) {
    const at = ext.indexOf('=');
    extensions.set(ext.slice(0, at), ext.slice(at + 1));
  }
  return {
    gs2Header: text.slice(0, text.length - m[3]!.length), authzid, username: usernameFromSaslName(m[4]!), nonce: m[5]!, extensions, bare: m[3]!,
  };
}

/** Kafka's SCRAM extension saying the username is a delegation token's id (`tokenauth=true`). */
export const TOKEN_AUTH_EXTENSION = 'tokenauth';

export function formatClientFirstBare(username: string, nonce: string): string {
  return `n=${saslName(username)},r=${nonce}`;
}

export interface ServerFirstMessage {
  nonce: string;
  salt: Buffer;
  iterations: number;
}

export function formatServerFirst(nonce: string, salt: Buffer, iterations: number): string {
  return `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
}

export function parseServerFirst(text: string): ServerFirstMessage | null {
  const m = SERVER_FIRST.exec(text);
  if (m === null) return null;
  const iterations = Number(m[3]);
  if (iterations <= 0) return null;
  return { nonce: m[1]!, salt: Buffer.from(m[2]!, 'base64'), iterations };
}

export interface ClientFinalMessage {
  channelBinding: string;
  nonce: string;
  proof: Buffer;
  /** client-final-message-without-proof, exactly as received: part of the AuthMessage. */
  withoutProof: string;
}

export function parseClientFinal(text: string): ClientFinalMessage | null {
  const m = CLIENT_FINAL.exec(text);
  if (m === null) return null;
  return { withoutProof: m[1]!, channelBinding: m[2]!, nonce: m[3]!, proof: Buffer.from(m[4]!, 'base64') };
}

export function formatClientFinalWithoutProof(gs2Header: string, nonce: string): string {
  return `c=${Buffer.from(gs2Header, 'utf8').toString('base64')},r=${nonce}`;
}

export type ServerFinalMessage = { kind: 'verifier'; signature: Buffer } | { kind: 'error'; error: string };

export function parseServerFinal(text: string): ServerFinalMessage | null {
  const m = SERVER_FINAL.exec(text);
  if (m === null) return null;
  return m[2] !== undefined ? { kind: 'verifier', signature: Buffer.from(m[2], 'base64') } : { kind: 'error', error: m[1]! };
}
