/**
 * Principals: `User:ANONYMOUS` for a connection that did not authenticate,
 * `User:<name>` after SASL, and for a TLS client certificate `User:` with its
 * subject distinguished name in the RFC 2253 form Kafka's Java reads it in
 * (most specific RDN first: `CN=alice,OU=eng,O=Example,C=US`), passed
 * through `ssl.principal.mapping.rules`.
 */

export const ANONYMOUS_PRINCIPAL = 'User:ANONYMOUS';

export function userPrincipal(name: string): string {
  return name.startsWith('User:') ? name : `User:${name}`;
}

/** Attribute keywords RFC 2253 names (and Java prints); any other type is printed as its OID with a #hex value. */
const KEYWORDS: ReadonlyMap<string, string> = new Map([
  ['2.5.4.3', 'CN'], ['2.5.4.6', 'C'], ['2.5.4.7', 'L'], ['2.5.4.8', 'ST'], ['2.5.4.9', 'STREET'],
  ['2.5.4.10', 'O'], ['2.5.4.11', 'OU'], ['0.9.2342.19200300.100.1.25', 'DC'], ['0.9.2342.19200300.100.1.1', 'UID'],
]);

const TAG_SEQUENCE = 0x30;
const TAG_SET = 0x31;
const TAG_OID = 0x06;
const TAG_CONTEXT_0 = 0xa0;

interface Tlv {
  readonly tag: number;
  /** The whole element, header included. */
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

class DerError extends Error {}

function readTlv(der: Buffer, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new DerError('truncated DER');
  const tag = der[at]!;
  let length = der[at + 1]!;
  let valueStart = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || valueStart + count > limit) throw new DerError('bad DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[valueStart + i]!;
    valueStart += count;
  }
  const end = valueStart + length;
  if (end > limit) throw new DerError('truncated DER');
  return { tag, start: at, valueStart, end };
}

function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.valueStart; at < parent.end;) {
    const child = readTlv(der, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

function oidText(der: Buffer, tlv: Tlv): string {
  const parts: number[] = [];
  let value = 0;
  for (let i = tlv.valueStart; i < tlv.end; i++) {
    value = value * 128 + (der[i]! & 0x7f);
    if ((der[i]! & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

function stringValue(der: Buffer, tlv: Tlv): string | null {
  const bytes = der.subarray(tlv.valueStart, tlv.end);
  switch (tlv.tag) {
    case 0x0c: // UTF8String
    case 0x13: // PrintableString
    case 0x16: // IA5String
      return bytes.toString('utf8');
    case 0x14: // TeletexString, read as Latin-1 as most software does
      return bytes.toString('latin1');
    case 0x1e: { // BMPString, UCS-2 big-endian
      const swapped = Buffer.from(bytes);
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    default:
      return null;
  }
}

function escapeValue(value: string): string {
  let out = value.replace(/[,+"\\<>;]/g, (c) => `\\${c}`);
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** The subject of a DER certificate as an RFC 2253 string. Throws on a certificate it cannot read. */
export function subjectDn(certificateDer: Buffer): string {
  const cert = readTlv(certificateDer, 0, certificateDer.length);
  const tbs = children(certificateDer, cert)[0];
  if (cert.tag !== TAG_SEQUENCE || tbs === undefined || tbs.tag !== TAG_SEQUENCE) throw new DerError('not a certificate');
  const fields = children(certificateDer, tbs);
  // version [0] (optional), serialNumber, signature, issuer, validity, subject
  const subject = fields[fields[0]?.tag === TAG_CONTEXT_0 ? 5 : 4];
  if (subject === undefined || subject.tag !== TAG_SEQUENCE) throw new DerError('certificate has no subject');
  const rdns = children(certificateDer, subject).map((rdn) => {
    if (rdn.tag !== TAG_SET) throw new DerError('bad RDN');
    return children(certificateDer, rdn).map((ava) => {
      const [type, value] = children(certificateDer, ava);
      if (type === undefined || value === undefined || type.tag !== TAG_OID) throw new DerError('bad attribute');
      const oid = oidText(certificateDer, type);
      const keyword = KEYWORDS.get(oid);
      const text = keyword === undefined ? null : stringValue(certificateDer, value);
      if (keyword === undefined || text === null) return `${keyword ?? oid}=#${certificateDer.subarray(value.start, value.end).toString('hex')}`;
      return `${keyword}=${escapeValue(text)}`;
    }).join('+');
  });
  return rdns.reverse().join(',');
}

interface MappingRule {
  readonly pattern: RegExp | null;
  readonly replacement: string;
  readonly toCase: '' | 'L' | 'U';
}

const RULE = /^RULE:((?:\\\/|[^/])*)\/((?:\\\/|[^/])*)\/([LU]?)$/;

/** `ssl.principal.mapping.rules`: DEFAULT, or RULE:pattern/replacement/[LU] entries, first match wins; or the reason it is malformed. */
export function parseMappingRules(text: string): MappingRule[] | string {
  const rules: MappingRule[] = [];
  const entries = splitRules(text.trim());
  for (const entry of entries) {
    if (entry === 'DEFAULT') {
      rules.push({ pattern: null, replacement: '', toCase: '' });
      continue;
    }
    const m = RULE.exec(entry);
    if (m === null) return `'${entry}' is neither DEFAULT nor RULE:pattern/replacement/[LU]`;
    try {
      rules.push({ pattern: new RegExp(`^(?:${m[1]!.replaceAll('\\/', '/')})$`), replacement: m[2]!.replaceAll('\\/', '/'), toCase: m[3] as '' | 'L' | 'U' });
    } catch (e) {
      return `bad pattern in '${entry}': ${(e as Error).message}`;
    }
  }
  return rules.length === 0 ? [{ pattern: null, replacement: '', toCase: '' }] : rules;
}

/** Splits at commas outside a RULE's pattern and replacement (a DN pattern is full of commas). */
function splitRules(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    if (rest.startsWith('RULE:')) {
      const m = /^RULE:(?:\\\/|[^/])*\/(?:\\\/|[^/])*\/[LU]?/.exec(rest);
      const rule = m === null ? rest : m[0];
      out.push(rule);
      rest = rest.slice(rule.length);
    } else {
      const comma = rest.indexOf(',');
      out.push((comma < 0 ? rest : rest.slice(0, comma)).trim());
      rest = comma < 0 ? '' : rest.slice(comma);
    }
    rest = rest.replace(/^\s*,\s*/, '').trimStart();
  }
  return out;
}

/** The user name for a DN by the first rule that matches it, or null when none does. */
export function mapDn(rules: readonly MappingRule[], dn: string): string | null {
  for (const rule of rules) {
    if (rule.pattern === null) return dn;
    if (!rule.pattern.test(dn)) continue;
    const name = dn.replace(rule.pattern, rule.replacement);
    return rule.toCase === 'L' ? name.toLowerCase() : rule.toCase === 'U' ? name.toUpperCase() : name;
  }
  return null;
}
