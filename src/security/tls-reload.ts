/**
 * Whether a listener may take new TLS settings at runtime, as Kafka's
 * SslFactory checks a dynamic update of its key and trust stores: a listener
 * with a key store keeps one; a trust store cannot be added to a listener that
 * had none; and unless ssl.allow.dn.changes / ssl.allow.san.changes say
 * otherwise, the new certificate has the old one's subject DN and at least
 * its subject alternative names (so clients that verify the broker's name
 * keep accepting it). Pure: the caller loaded both settings.
 */
import { X509Certificate } from 'node:crypto';
import { pemBlocks } from './pem.ts';
import type { TlsListenerSettings } from './listener-security.ts';

/** The leaf certificate of a PEM chain. */
export function leafCertificate(chainPem: string): X509Certificate {
  const first = pemBlocks(chainPem).find((b) => b.label === 'CERTIFICATE');
  if (first === undefined) throw new Error('the key store holds no certificate');
  return new X509Certificate(first.text);
}

/** Why `next` may not replace `current` on a live listener, in Kafka's words; null when it may. */
export function tlsReloadRefusal(current: TlsListenerSettings, next: TlsListenerSettings): string | null {
  if (!current.hasTrustStore && next.hasTrustStore) {
    return 'Cannot add SSL truststore to an existing listener for which no truststore was configured.';
  }
  const before = leafCertificate(current.certificateChain);
  const after = leafCertificate(next.certificateChain);
  if (!next.allowDnChanges && subjectOf(before) !== subjectOf(after)) {
    return `Keystore DistinguishedName does not match: existing={DN=${subjectOf(before)}}, new={DN=${subjectOf(after)}}`;
  }
  if (!next.allowSanChanges) {
    const have = new Set(altNamesOf(after));
    const lost = altNamesOf(before).filter((n) => !have.has(n));
    if (lost.length > 0) {
      return `Keystore SubjectAltNames do not match: existing={SAN=[${altNamesOf(before).join(', ')}]}, new={SAN=[${altNamesOf(after).join(', ')}]}`;
    }
  }
  return null;
}

/** The subject as one line, RDNs joined by ', ' (node:crypto gives them one per line). */
function subjectOf(cert: X509Certificate): string {
  return cert.subject.split('\n').filter((l) => l !== '').join(', ');
}

function altNamesOf(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '').split(', ').filter((n) => n !== '');
}
