/**
 * Random values for any generated message at any version, built from the
 * generated schemas: fields the version carries get random values, the rest
 * keep the struct's defaults, so decode(encode(x)) must give back exactly x.
 */
import type { FieldSchema, MessageCodec, MessageSchema } from '../../src/protocol/index.ts';
import { seededRandom, type Rng } from './random.ts';

export type { Rng };
export const rng = seededRandom;

export function int(r: Rng, min: number, max: number): number {
  return min + Math.floor(r() * (max - min + 1));
}

export function randomBytes(r: Rng, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = int(r, 0, 255);
  return b;
}

const TEXT = ['', 'a', 'topic-1', 'ünïcødé', '日本語', 'x'.repeat(40), '🚀 rocket'];

const inRange = (v: number, range: readonly [number, number] | null): boolean =>
  range !== null && v >= range[0] && v <= range[1];

function primitive(type: string, r: Rng): unknown {
  switch (type) {
    case 'bool': return r() < 0.5;
    case 'int8': return int(r, -128, 127);
    case 'int16': return int(r, -32768, 32767);
    case 'uint16': return int(r, 0, 65535);
    case 'int32': return int(r, -2147483648, 2147483647);
    case 'uint32': return int(r, 0, 4294967295);
    case 'int64': return BigInt.asIntN(64, (BigInt(int(r, 0, 0xffffffff)) << 32n) | BigInt(int(r, 0, 0xffffffff)));
    case 'float64': return (r() - 0.5) * 1e9;
    case 'string': return TEXT[int(r, 0, TEXT.length - 1)];
    case 'bytes': case 'records': return randomBytes(r, int(r, 0, 24));
    case 'uuid': return randomBytes(r, 16).toString('base64url');
  }
  return undefined;
}

export interface SampleContext {
  messageName: string;
  /** The generated module, to find each struct's defaults function. */
  module: Record<string, unknown>;
}

function structDefaults(ctx: SampleContext, structType: string | null): Record<string, unknown> {
  const name = structType === null ? ctx.messageName : ctx.messageName + structType;
  const fn = ctx.module[`default${name}`] as (() => Record<string, unknown>) | undefined;
  if (!fn) throw new Error(`no defaults function for ${name}`);
  return fn();
}

function fieldValue(ctx: SampleContext, f: FieldSchema, version: number, r: Rng, depth: number): unknown {
  if (inRange(version, f.nullableVersions) && r() < 0.2) return null;
  const array = f.type.startsWith('[]');
  const base = array ? f.type.slice(2) : f.type;
  const one = (): unknown => (f.fields === null ? primitive(base, r) : sampleStruct(ctx, base, f.fields, version, r, depth + 1));
  if (!array) return one();
  const count = depth > 3 ? 0 : int(r, 0, 3);
  return Array.from({ length: count }, one);
}

export function sampleStruct(
  ctx: SampleContext, structType: string | null, fields: readonly FieldSchema[], version: number, r: Rng, depth = 0,
): Record<string, unknown> {
  const value = structDefaults(ctx, structType);
  for (const f of fields) {
    if (version >= f.versions[0] && version <= f.versions[1]) value[f.name] = fieldValue(ctx, f, version, r, depth);
  }
  return value;
}

export function sampleMessage(
  codec: MessageCodec<unknown>, schema: MessageSchema, module: Record<string, unknown>, version: number, r: Rng,
): Record<string, unknown> {
  const value = sampleStruct({ messageName: codec.name, module }, null, schema.fields, version, r);
  const flexible = schema.flexibleVersions !== null && version >= schema.flexibleVersions[0];
  if (flexible && r() < 0.3) value.unknownTaggedFields = [{ tag: 1000 + int(r, 0, 5), data: randomBytes(r, int(r, 0, 6)) }];
  return value;
}
