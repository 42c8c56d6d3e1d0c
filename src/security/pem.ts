/**
 * PEM key and trust stores as Kafka's `ssl.keystore.type=PEM` and
 * `ssl.truststore.type=PEM` define them: a key store file holds one private
 * key (PKCS#8, encrypted when `ssl.key.password` is set) and its certificate
 * chain; a trust store file holds certificates. Either may be given inline
 * instead (`ssl.keystore.key` + `ssl.keystore.certificate.chain`,
 * `ssl.truststore.certificates`).
 */
import { readFileSync } from 'node:fs';

export class SecurityConfigError extends Error {
  readonly code = 'SAMSA_ERR_CONFIG';
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

export interface PemBlock {
  readonly label: string;
  readonly text: string;
}

/** The PEM blocks of a text, in order; anything between them is ignored as PEM allows. */
export function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, text: `${m[0]}\n` }));
}

/** A file's text, or a one-line error naming the config that pointed at it. */
export function readConfiguredFile(configName: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new SecurityConfigError(`invalid value '${path}' for config '${configName}': cannot read the file (${code})`);
  }
}

export interface KeyMaterial {
  /** The private key in PEM. */
  readonly key: string;
  /** The certificates in PEM, the leaf first. */
  readonly certChain: string;
}

/** Splits a key store's text into its key and certificates; `source` names it in errors. */
export function keyMaterialOf(source: string, keyText: string, chainText: string): KeyMaterial {
  const keys = pemBlocks(keyText).filter((b) => b.label.endsWith('PRIVATE KEY'));
  const certs = pemBlocks(chainText).filter((b) => b.label === 'CERTIFICATE');
  if (keys.length !== 1) throw new SecurityConfigError(`${source}: expected one PEM private key, found ${keys.length}`);
  if (certs.length === 0) throw new SecurityConfigError(`${source}: no PEM certificate found`);
  return { key: keys[0]!.text, certChain: certs.map((c) => c.text).join('') };
}

/** The certificates of a trust store's text. */
export function trustedCertificatesOf(source: string, text: string): string[] {
  const certs = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE').map((b) => b.text);
  if (certs.length === 0) throw new SecurityConfigError(`${source}: no PEM certificate found`);
  return certs;
}
