/**
 * Reads Kafka's message specification files (JSON with `//` comments) into a
 * checked model. The generator fails loudly on anything it does not
 * understand rather than emitting a codec that would be subtly wrong.
 */
import { readFileSync } from 'node:fs';

export const VERSION_MAX = 0x7fff;

export interface VersionRange {
  min: number;
  max: number;
}

export interface FieldSpec {
  name: string;
  type: string;
  versions: VersionRange;
  nullableVersions: VersionRange | null;
  taggedVersions: VersionRange | null;
  tag: number | null;
  default: string | null;
  ignorable: boolean;
  /** Overrides the message's flexible versions for this field's encoding (e.g. the request header ClientId). */
  flexibleVersions: VersionRange | null;
  /** Present when the field's type is a struct (or array of struct) defined inline. */
  fields: FieldSpec[] | null;
}

export interface StructSpec {
  name: string;
  versions: VersionRange;
  fields: FieldSpec[];
}

export interface MessageSpec {
  file: string;
  name: string;
  kind: string;
  apiKey: number | null;
  validVersions: VersionRange;
  flexibleVersions: VersionRange | null;
  latestVersionUnstable: boolean;
  listeners: string[];
  fields: FieldSpec[];
  commonStructs: StructSpec[];
}

/** Removes `//` comments that are outside JSON strings. */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

export function parseVersions(text: string | undefined, what: string): VersionRange | null {
  if (text === undefined || text === 'none') return null;
  let m = /^(\d+)\+$/.exec(text);
  if (m) return { min: Number(m[1]), max: VERSION_MAX };
  m = /^(\d+)-(\d+)$/.exec(text);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  m = /^(\d+)$/.exec(text);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  throw new Error(`${what}: cannot parse versions ${JSON.stringify(text)}`);
}

const FIELD_KEYS = new Set([
  'name', 'type', 'versions', 'nullableVersions', 'taggedVersions', 'tag', 'default', 'ignorable',
  'flexibleVersions', 'fields', 'about', 'entityType', 'mapKey', 'zeroCopy',
]);

function parseField(raw: Record<string, unknown>, where: string): FieldSpec {
  const name = raw.name as string;
  const at = `${where}.${name}`;
  for (const key of Object.keys(raw)) {
    if (!FIELD_KEYS.has(key)) throw new Error(`${at}: unknown field attribute ${key}`);
  }
  if (typeof raw.type !== 'string') throw new Error(`${at}: missing type`);
  const taggedVersions = parseVersions(raw.taggedVersions as string | undefined, at);
  // A tagged field may leave out `versions`; it then exists exactly in its tagged versions.
  const versions = parseVersions(raw.versions as string | undefined, at) ?? taggedVersions;
  if (versions === null) throw new Error(`${at}: field has no versions`);
  const tag = raw.tag === undefined ? null : Number(raw.tag);
  if ((taggedVersions === null) !== (tag === null)) throw new Error(`${at}: tag and taggedVersions go together`);
  const fields = Array.isArray(raw.fields)
    ? (raw.fields as Record<string, unknown>[]).map((f) => parseField(f, at))
    : null;
  return {
    name,
    type: raw.type,
    versions,
    nullableVersions: parseVersions(raw.nullableVersions as string | undefined, at),
    taggedVersions,
    tag,
    default: raw.default === undefined ? null : String(raw.default),
    ignorable: raw.ignorable === true,
    flexibleVersions: raw.flexibleVersions === undefined ? null : (parseVersions(raw.flexibleVersions as string, at) ?? { min: VERSION_MAX + 1, max: VERSION_MAX + 1 }),
    fields,
  };
}

export function readSpec(file: string): MessageSpec {
  const raw = JSON.parse(stripComments(readFileSync(file, 'utf8'))) as Record<string, unknown>;
  const name = raw.name as string;
  const validVersions = parseVersions(raw.validVersions as string, name);
  if (validVersions === null) throw new Error(`${name}: no validVersions`);
  const fields = (raw.fields as Record<string, unknown>[]).map((f) => parseField(f, name));
  const commonStructs = ((raw.commonStructs as Record<string, unknown>[] | undefined) ?? []).map((s) => ({
    name: s.name as string,
    versions: parseVersions(s.versions as string, name) ?? validVersions,
    fields: (s.fields as Record<string, unknown>[]).map((f) => parseField(f, `${name}.${s.name as string}`)),
  }));
  return {
    file,
    name,
    kind: raw.type as string,
    apiKey: raw.apiKey === undefined ? null : Number(raw.apiKey),
    validVersions,
    flexibleVersions: parseVersions(raw.flexibleVersions as string | undefined, name),
    latestVersionUnstable: raw.latestVersionUnstable === true,
    listeners: (raw.listeners as string[] | undefined) ?? [],
    fields,
    commonStructs,
  };
}
