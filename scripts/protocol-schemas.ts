/** Emits the structural description of every message (no prose) for tests and tools. */
import { propName } from './protocol-emit.ts';
import type { FieldSpec, MessageSpec, VersionRange } from './protocol-spec.ts';

function range(r: VersionRange | null): string {
  return r === null ? 'null' : `[${r.min}, ${r.max}]`;
}

function fieldSchema(spec: MessageSpec, f: FieldSpec, indent: string): string {
  const base = f.type.replace(/^\[\]/, '');
  const fields = f.fields ?? spec.commonStructs.find((s) => s.name === base)?.fields ?? null;
  const nested = fields === null ? 'null' : list(fields.map((c) => fieldSchema(spec, c, indent + '  ')), indent);
  return `${indent}{ name: '${propName(f.name)}', type: '${f.type}', versions: ${range(f.versions)}, ` +
    `nullableVersions: ${range(f.nullableVersions)}, taggedVersions: ${range(f.taggedVersions)}, tag: ${f.tag}, ` +
    `flexibleVersions: ${range(f.flexibleVersions)}, fields: ${nested} }`;
}

function list(items: string[], indent: string): string {
  return items.length === 0 ? '[]' : `[\n${items.join(',\n')},\n${indent}]`;
}

export function emitSchemas(specs: MessageSpec[], header: string, codecImport: string): string {
  const lines = [header, `import type { MessageSchema } from '${codecImport}';`, '', 'export const schemas: Readonly<Record<string, MessageSchema>> = {'];
  for (const spec of specs) {
    lines.push(`  ${spec.name}: {`);
    lines.push(`    name: '${spec.name}', validVersions: ${range(spec.validVersions)}, flexibleVersions: ${range(spec.flexibleVersions)},`);
    lines.push(`    fields: ${list(spec.fields.map((f) => fieldSchema(spec, f, '      ')), '    ')},`);
    lines.push('  },');
  }
  lines.push('};', '');
  return lines.join('\n');
}
