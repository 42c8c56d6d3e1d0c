/**
 * Turns one parsed message specification into a TypeScript module: an
 * interface per struct, a reader, a writer and a defaults function per
 * struct, and one exported codec object of a single shape for the message.
 */
import type { FieldSpec, MessageSpec, VersionRange } from './protocol-spec.ts';

const PRIMITIVE_TYPES = new Set([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'records', 'uuid',
]);
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

interface StructInfo {
  specName: string;
  tsName: string;
  fields: FieldSpec[];
}

interface Ctx {
  spec: MessageSpec;
  structs: Map<string, StructInfo>;
  valid: VersionRange;
}

export function propName(name: string): string {
  const m = /^([A-Z]+)(?=[A-Z][a-z]|$)/.exec(name);
  if (m && m[1]!.length > 1) return m[1]!.toLowerCase() + name.slice(m[1]!.length);
  return name[0]!.toLowerCase() + name.slice(1);
}

function baseType(type: string): { array: boolean; base: string } {
  return type.startsWith('[]') ? { array: true, base: type.slice(2) } : { array: false, base: type };
}

function collectStructs(ctx: Ctx, fields: FieldSpec[], where: string): void {
  for (const f of fields) {
    const { base } = baseType(f.type);
    if (PRIMITIVE_TYPES.has(base)) {
      if (f.fields) throw new Error(`${where}.${f.name}: primitive type with fields`);
      continue;
    }
    if (f.fields) {
      if (ctx.structs.has(base)) throw new Error(`${where}: struct ${base} defined twice`);
      ctx.structs.set(base, { specName: base, tsName: ctx.spec.name + base, fields: f.fields });
      collectStructs(ctx, f.fields, `${where}.${f.name}`);
    }
  }
}

function resolveStruct(ctx: Ctx, base: string, where: string): StructInfo {
  const s = ctx.structs.get(base);
  if (!s) throw new Error(`${where}: unknown type ${base}`);
  return s;
}

/** A JS boolean expression for "version is in range", simplified against the message's valid range. */
export function rangeExpr(r: VersionRange | null, valid: VersionRange): string {
  if (r === null || r.min > valid.max || r.max < valid.min) return 'false';
  const lo = r.min <= valid.min;
  const hi = r.max >= valid.max;
  if (lo && hi) return 'true';
  if (hi) return `version >= ${r.min}`;
  if (lo) return `version <= ${r.max}`;
  return `(version >= ${r.min} && version <= ${r.max})`;
}

function tsType(ctx: Ctx, f: FieldSpec): string {
  const { array, base } = baseType(f.type);
  let t: string;
  switch (base) {
    case 'bool': t = 'boolean'; break;
    case 'int64': t = 'bigint'; break;
    case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'float64': t = 'number'; break;
    case 'string': case 'uuid': t = 'string'; break;
    case 'bytes': case 'records': t = 'Buffer'; break;
    default: t = resolveStruct(ctx, base, f.name).tsName;
  }
  if (array) t = `${t}[]`;
  return f.nullableVersions ? `${t} | null` : t;
}

function intDefault(text: string | null, where: string): number {
  if (text === null || text === '') return 0;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new Error(`${where}: bad integer default ${text}`);
  return n;
}

/** The default value as a JS expression (fresh objects for arrays and structs). */
function defaultExpr(ctx: Ctx, f: FieldSpec): string {
  const { array, base } = baseType(f.type);
  const d = f.default;
  if (d === 'null') {
    if (!f.nullableVersions) throw new Error(`${f.name}: null default on a non-nullable field`);
    return 'null';
  }
  if (array) return '[]';
  switch (base) {
    case 'bool': return d === 'true' ? 'true' : 'false';
    case 'int64': return `${BigInt(intDefault(d, f.name))}n`;
    case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': return String(intDefault(d, f.name));
    case 'float64': return String(d === null ? 0 : Number(d));
    case 'string': return JSON.stringify(d ?? '');
    case 'uuid': return JSON.stringify(ZERO_UUID);
    case 'bytes': return 'EMPTY_BYTES';
    case 'records': return f.nullableVersions ? 'null' : 'EMPTY_BYTES';
    default: return `default${resolveStruct(ctx, base, f.name).tsName}()`;
  }
}

/** Expression that is true when a tagged field's value differs from its default and must be written. */
function nonDefaultExpr(ctx: Ctx, f: FieldSpec, v: string): string {
  const { array, base } = baseType(f.type);
  const d = defaultExpr(ctx, f);
  if (d === 'null') return `${v} !== null`;
  if (array) return `${v}.length > 0`;
  if (base === 'bytes' || base === 'records') return `${v}.length > 0`;
  if (PRIMITIVE_TYPES.has(base)) return `${v} !== ${d}`;
  return `!isDefaultValue(${v}, ${d})`;
}

function compactExpr(f: FieldSpec, ctx: Ctx): string {
  if (f.flexibleVersions) return rangeExpr(f.flexibleVersions, ctx.valid);
  return 'flexible';
}

function primitiveRead(base: string, r: string, compact: string, nullable: string): string {
  switch (base) {
    case 'bool': case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'int64': case 'float64':
    case 'uuid':
      return `${r}.${base}()`;
    case 'string':
      return nullable === 'false' ? `${r}.string(${compact})` : nullable === 'true' ? `${r}.nullableString(${compact})`
        : `(${nullable} ? ${r}.nullableString(${compact}) : ${r}.string(${compact}))`;
    case 'bytes': case 'records':
      return nullable === 'false' ? `${r}.bytes(${compact})` : nullable === 'true' ? `${r}.nullableBytes(${compact})`
        : `(${nullable} ? ${r}.nullableBytes(${compact}) : ${r}.bytes(${compact}))`;
  }
  throw new Error(`not a primitive: ${base}`);
}

function primitiveWrite(base: string, v: string, compact: string, nullable: string): string {
  switch (base) {
    case 'bool': case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'int64': case 'float64':
    case 'uuid':
      return `w.${base}(${v});`;
    case 'string':
      if (nullable === 'false') return `w.string(${v}, ${compact});`;
      if (nullable === 'true') return `w.nullableString(${v}, ${compact});`;
      return `w.nullableString(checkNullable(${v}, ${nullable}), ${compact});`;
    case 'bytes': case 'records':
      if (nullable === 'false') return `w.bytes(${v}, ${compact});`;
      if (nullable === 'true') return `w.nullableBytes(${v}, ${compact});`;
      return `w.nullableBytes(checkNullable(${v}, ${nullable}), ${compact});`;
  }
  throw new Error(`not a primitive: ${base}`);
}

/** Statements reading field `f` into local `target` from reader `r`. */
function readStatements(ctx: Ctx, f: FieldSpec, target: string, r: string): string[] {
  const { array, base } = baseType(f.type);
  const compact = compactExpr(f, ctx);
  const nullable = rangeExpr(f.nullableVersions, ctx.valid);
  if (!array) {
    if (PRIMITIVE_TYPES.has(base)) return [`${target} = ${primitiveRead(base, r, compact, nullable)};`];
    const s = resolveStruct(ctx, base, f.name);
    if (nullable === 'false') return [`${target} = read${s.tsName}(${r}, version);`];
    return [`${target} = ${nullable} && ${r}.int8() < 0 ? null : read${s.tsName}(${r}, version);`];
  }
  const elem = PRIMITIVE_TYPES.has(base)
    ? primitiveRead(base, r, compact, 'false')
    : `read${resolveStruct(ctx, base, f.name).tsName}(${r}, version)`;
  return [
    '{',
    `  const n = ${r}.arrayLength(${compact});`,
    nullable === 'false'
      ? `  if (n < 0) throw new ProtocolDecodeError('null for non-nullable array ${f.name}');`
      : `  if (n < 0) { if (!(${nullable})) throw new ProtocolDecodeError('null for non-nullable array ${f.name}'); ${target} = null; }`,
    nullable === 'false' ? '  {' : '  else {',
    `    const a: ${tsType(ctx, { ...f, nullableVersions: null })} = new Array(n);`,
    `    for (let i = 0; i < n; i++) a[i] = ${elem};`,
    `    ${target} = a;`,
    '  }',
    '}',
  ];
}

/** Statements writing value expression `v` of field `f` to writer `w`. */
function writeStatements(ctx: Ctx, f: FieldSpec, v: string): string[] {
  const { array, base } = baseType(f.type);
  const compact = compactExpr(f, ctx);
  const nullable = rangeExpr(f.nullableVersions, ctx.valid);
  if (!array) {
    if (PRIMITIVE_TYPES.has(base)) return [primitiveWrite(base, v, compact, nullable)];
    const s = resolveStruct(ctx, base, f.name);
    if (nullable === 'false') return [`write${s.tsName}(w, ${v}, version);`];
    return [
      `if (${v} === null) { checkNullable(null, ${nullable}); w.int8(-1); }`,
      `else { if (${nullable}) w.int8(1); write${s.tsName}(w, ${v}, version); }`,
    ];
  }
  const elemWrite = PRIMITIVE_TYPES.has(base)
    ? primitiveWrite(base, 'e', compact, 'false')
    : `write${resolveStruct(ctx, base, f.name).tsName}(w, e, version);`;
  if (nullable === 'false') {
    return [`{ const a = ${v}; w.arrayLength(a.length, ${compact}); for (const e of a) ${elemWrite} }`];
  }
  return [
    `{ const a = ${nullable === 'true' ? v : `checkNullable(${v}, ${nullable})`};`,
    `  if (a === null) w.arrayLength(-1, ${compact});`,
    `  else { w.arrayLength(a.length, ${compact}); for (const e of a) ${elemWrite} } }`,
  ];
}

function isTaggedIn(f: FieldSpec): boolean {
  return f.taggedVersions !== null;
}

function emitStruct(ctx: Ctx, tsName: string, fields: FieldSpec[], out: string[]): void {
  const props = fields.map((f) => ({ f, prop: propName(f.name) }));
  const seen = new Set<string>();
  for (const p of props) {
    if (seen.has(p.prop)) throw new Error(`${tsName}: duplicate property ${p.prop}`);
    seen.add(p.prop);
  }
  out.push(`export interface ${tsName} {`);
  for (const { f, prop } of props) out.push(`  ${prop}: ${tsType(ctx, f)};`);
  out.push('  /** Tagged fields this version does not know, kept so the message re-encodes unchanged. */');
  out.push('  unknownTaggedFields?: TaggedField[];');
  out.push('}', '');

  out.push(`export function default${tsName}(): ${tsName} {`);
  out.push('  return {');
  for (const { f, prop } of props) out.push(`    ${prop}: ${defaultExpr(ctx, f)},`);
  out.push('    unknownTaggedFields: undefined,');
  out.push('  };', '}', '');

  emitRead(ctx, tsName, props, out);
  emitWrite(ctx, tsName, props, out);
}

type Prop = { f: FieldSpec; prop: string };

function flexibleDecl(ctx: Ctx): string {
  return `const flexible = ${rangeExpr(ctx.spec.flexibleVersions, ctx.valid)};`;
}

function emitRead(ctx: Ctx, tsName: string, props: Prop[], out: string[]): void {
  const tagged = props.filter((p) => isTaggedIn(p.f)).sort((a, b) => a.f.tag! - b.f.tag!);
  out.push(`function read${tsName}(r: Reader, version: number): ${tsName} {`);
  out.push(`  ${flexibleDecl(ctx)}`);
  // Locals are prefixed so a field named like a local (`version`, `tag`) cannot collide.
  for (const { f, prop } of props) out.push(`  let f_${prop}: ${tsType(ctx, f)} = ${defaultExpr(ctx, f)};`);
  out.push('  let unknownTaggedFields: TaggedField[] | undefined;');
  for (const { f, prop } of props) {
    const present = rangeExpr(inlineRange(f), ctx.valid);
    if (present === 'false') continue;
    const body = readStatements(ctx, f, `f_${prop}`, 'r');
    if (present === 'true') out.push(...body.map((l) => `  ${l}`));
    else out.push(`  if (${present}) {`, ...body.map((l) => `    ${l}`), '  }');
  }
  out.push('  if (flexible) {');
  out.push('    const count = r.taggedFieldCount();');
  out.push('    for (let i = 0; i < count; i++) {');
  out.push('      const tag = r.uvarint();');
  out.push('      const t = r.sub(r.uvarint());');
  if (tagged.length > 0) {
    out.push('      switch (tag) {');
    for (const { f, prop } of tagged) {
      out.push(`        case ${f.tag}:`);
      out.push(`          if (${rangeExpr(f.taggedVersions, ctx.valid)}) {`);
      out.push(...readStatements(ctx, f, `f_${prop}`, 't').map((l) => `            ${l}`));
      out.push(`            t.expectEnd('tagged field ${f.name}');`);
      out.push('            continue;');
      out.push('          }');
      out.push('          break;');
    }
    out.push('      }');
  }
  out.push('      (unknownTaggedFields ??= []).push({ tag, data: t.raw(t.remaining()) });');
  out.push('    }');
  out.push('  }');
  out.push(`  return { ${props.map((p) => `${p.prop}: f_${p.prop}`).join(', ')}${props.length ? ', ' : ''}unknownTaggedFields };`);
  out.push('}', '');
}

/** Versions in which a field is written inline (not as a tagged field). */
function inlineRange(f: FieldSpec): VersionRange | null {
  if (f.taggedVersions === null) return f.versions;
  if (f.taggedVersions.min <= f.versions.min && f.taggedVersions.max >= f.versions.max) return null;
  throw new Error(`${f.name}: a field that is tagged in only some of its versions is not supported`);
}

function emitWrite(ctx: Ctx, tsName: string, props: Prop[], out: string[]): void {
  const tagged = props.filter((p) => isTaggedIn(p.f)).sort((a, b) => a.f.tag! - b.f.tag!);
  out.push(`function write${tsName}(w: Writer, v: ${tsName}, version: number): void {`);
  out.push(`  ${flexibleDecl(ctx)}`);
  for (const { f, prop } of props) {
    const present = rangeExpr(inlineRange(f), ctx.valid);
    if (present === 'false') continue;
    const body = writeStatements(ctx, f, `v.${prop}`);
    if (present === 'true') out.push(...body.map((l) => `  ${l}`));
    else out.push(`  if (${present}) {`, ...body.map((l) => `    ${l}`), '  }');
  }
  out.push('  if (flexible) {');
  if (tagged.length === 0) {
    out.push('    writeTaggedFields(w, v.unknownTaggedFields, undefined);');
  } else {
    out.push('    let known: KnownTaggedField[] | undefined;');
    for (const { f, prop } of tagged) {
      out.push(`    if (${rangeExpr(f.taggedVersions, ctx.valid)} && ${nonDefaultExpr(ctx, f, `v.${prop}`)}) {`);
      out.push(`      (known ??= []).push({ tag: ${f.tag}, write: (w: Writer) => {`);
      out.push(...writeStatements(ctx, f, `v.${prop}`).map((l) => `        ${l}`));
      out.push('      } });');
      out.push('    }');
    }
    out.push('    writeTaggedFields(w, v.unknownTaggedFields, known);');
  }
  out.push('  }');
  out.push('}', '');
}

export function emitMessage(spec: MessageSpec, importPath: string): string {
  const valid = { min: spec.validVersions.min, max: spec.validVersions.max };
  const ctx: Ctx = { spec, structs: new Map(), valid };
  for (const s of spec.commonStructs) {
    ctx.structs.set(s.name, { specName: s.name, tsName: spec.name + s.name, fields: s.fields });
    collectStructs(ctx, s.fields, `${spec.name}.${s.name}`);
  }
  collectStructs(ctx, spec.fields, spec.name);

  const body: string[] = [];
  emitStruct(ctx, spec.name, spec.fields, body);
  for (const s of ctx.structs.values()) emitStruct(ctx, s.tsName, s.fields, body);

  const flexMin = spec.flexibleVersions ? spec.flexibleVersions.min : -1;
  const src = body.join('\n');
  const runtime = ['Reader', 'Writer', 'ProtocolDecodeError', 'writeTaggedFields', 'checkVersion']
    .concat(src.includes('checkNullable(') ? ['checkNullable'] : [])
    .concat(src.includes('isDefaultValue(') ? ['isDefaultValue'] : [])
    .concat(src.includes('EMPTY_BYTES') ? ['EMPTY_BYTES'] : []);
  const types = ['TaggedField', 'MessageCodec'].concat(src.includes('KnownTaggedField') ? ['KnownTaggedField'] : []);
  const header = [
    `// Generated by scripts/generate-protocol.ts from ${spec.file}. Do not edit by hand: run \`npm run generate\`.`,
    '/* eslint-disable */',
    `import { ${runtime.filter((n) => n !== 'ProtocolDecodeError' || src.includes('ProtocolDecodeError')).join(', ')} } from '${importPath}';`,
    `import type { ${types.join(', ')} } from '${importPath}';`,
    '',
  ];
  const codec = [
    `export const ${spec.name}: MessageCodec<${spec.name}> = {`,
    `  name: '${spec.name}',`,
    `  apiKey: ${spec.apiKey ?? -1},`,
    `  minVersion: ${valid.min},`,
    `  maxVersion: ${valid.max},`,
    `  flexibleMinVersion: ${flexMin},`,
    `  decode(r: Reader, version: number): ${spec.name} {`,
    `    checkVersion('${spec.name}', version, ${valid.min}, ${valid.max});`,
    `    return read${spec.name}(r, version);`,
    '  },',
    `  encode(w: Writer, v: ${spec.name}, version: number): void {`,
    `    checkVersion('${spec.name}', version, ${valid.min}, ${valid.max});`,
    `    write${spec.name}(w, v, version);`,
    '  },',
    `  defaults: default${spec.name},`,
    '};',
    '',
  ];
  return header.concat(codec, body).join('\n');
}
