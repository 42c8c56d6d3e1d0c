/**
 * The definition model for Kafka-named configs, and the one parser every
 * config value goes through.
 *
 * Values travel as the strings a user wrote (server.properties, CreateTopics,
 * AlterConfigs). `parseValue` turns one into a typed value or a one-line reason;
 * `canonicalText` gives the text Kafka would report back for it (DescribeConfigs),
 * which for longs stays exact even where the JS number cannot (doubles print as
 * Java prints ordinary values: "0.5", "1.0").
 *
 * Longs: Kafka uses Long.MAX_VALUE (9223372036854775807) for "never". A JS
 * number cannot hold it, so parsed longs saturate at ±Number.MAX_SAFE_INTEGER,
 * which is what src/storage treats as "never". The range check itself is exact
 * (BigInt), so a value outside Java's long range is still rejected.
 */

export type ConfigDefType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password';

/** Kafka's ConfigDef validators that Samsa needs: a numeric range and a fixed set of strings. */
export type ConfigValidator =
  /** Inclusive bounds; `also` lists values allowed outside them (gzip's -1). */
  | { readonly kind: 'range'; readonly min?: number; readonly max?: number; readonly also?: readonly number[] }
  /** For a string the value, for a list every element, must be one of these (case-sensitive, as in Kafka). */
  | { readonly kind: 'oneOf'; readonly values: readonly string[] };

/**
 * How a config may change at runtime, Kafka's "Update Mode": `read-only` needs a
 * restart, `per-broker` and `cluster-wide` are dynamic broker configs, and
 * `per-topic` marks topic configs (always alterable per topic).
 */
export type UpdateMode = 'read-only' | 'per-broker' | 'cluster-wide' | 'per-topic';

export interface ConfigDef {
  readonly name: string;
  readonly type: ConfigDefType;
  /** The default Samsa uses, as text; null when the config has no value unless set. */
  readonly default: string | null;
  readonly validator?: ConfigValidator;
  /** Its value is never reported (DescribeConfigs answers null). */
  readonly sensitive: boolean;
  readonly updateMode: UpdateMode;
  /** One line, in our own words. */
  readonly documentation: string;
  /** Present only where Kafka's default differs from Samsa's. */
  readonly kafkaDefault?: string | null;
  /** Where Samsa deviates or ignores the setting. */
  readonly samsaNote?: string;
  /** Accepted but not listed by DescribeConfigs (Kafka's defineInternal). */
  readonly internal?: boolean;
}

export type ConfigValue = boolean | number | string | readonly string[] | null;

export type ParseResult = { readonly ok: true; readonly value: ConfigValue } | { readonly ok: false; readonly error: string };

/** DescribeConfigs v1+ ConfigSource, Kafka's numbering. */
export const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;
export type ConfigSource = (typeof ConfigSource)[keyof typeof ConfigSource];

/** DescribeConfigs v3+ ConfigType, Kafka's numbering. */
export const ConfigType = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;
export type ConfigType = (typeof ConfigType)[keyof typeof ConfigType];

const CONFIG_TYPE_BY_DEF: Readonly<Record<ConfigDefType, ConfigType>> = {
  boolean: ConfigType.BOOLEAN, string: ConfigType.STRING, int: ConfigType.INT, short: ConfigType.SHORT,
  long: ConfigType.LONG, double: ConfigType.DOUBLE, list: ConfigType.LIST, class: ConfigType.CLASS,
  password: ConfigType.PASSWORD,
};

export function configTypeOf(def: ConfigDef): ConfigType {
  return CONFIG_TYPE_BY_DEF[def.type];
}

/** Java's Long.MAX_VALUE as text: Kafka's "never" for times and counts. */
export const LONG_MAX_TEXT = '9223372036854775807';
/** Java's Integer.MAX_VALUE. */
export const INT_MAX = 2147483647;

const INTEGER_BOUNDS: Readonly<Record<'short' | 'int' | 'long', readonly [bigint, bigint]>> = {
  short: [-(2n ** 15n), 2n ** 15n - 1n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
};
const INTEGER_SYNTAX = /^[+-]?\d+$/;
const DOUBLE_SYNTAX = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const LIST_SEPARATOR = /\s*,\s*/;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

function parseInteger(type: 'short' | 'int' | 'long', text: string): bigint | string {
  if (!INTEGER_SYNTAX.test(text)) return 'not an integer';
  const n = BigInt(text);
  const [min, max] = INTEGER_BOUNDS[type];
  if (n < min || n > max) return `out of range for type ${type}`;
  return n;
}

function parseList(text: string): readonly string[] | string {
  if (text === '') return [];
  const items = text.split(LIST_SEPARATOR);
  if (items.some((s) => s === '')) return 'a list element is empty';
  return items;
}

/** Text to typed value, or the reason it is not one. Surrounding whitespace is ignored. */
export function parseValue(def: ConfigDef, text: string): ParseResult {
  const trimmed = text.trim();
  let value: ConfigValue;
  switch (def.type) {
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower !== 'true' && lower !== 'false') return { ok: false, error: 'must be true or false' };
      value = lower === 'true';
      break;
    }
    case 'short':
    case 'int':
    case 'long': {
      const n = parseInteger(def.type, trimmed);
      if (typeof n === 'string') return { ok: false, error: n };
      const rangeError = checkRange(def.validator, n, Number(n));
      if (rangeError !== null) return { ok: false, error: rangeError };
      value = n > SAFE_MAX ? Number.MAX_SAFE_INTEGER : n < -SAFE_MAX ? -Number.MAX_SAFE_INTEGER : Number(n);
      break;
    }
    case 'double': {
      if (!DOUBLE_SYNTAX.test(trimmed)) return { ok: false, error: 'not a number' };
      const n = Number(trimmed);
      if (!Number.isFinite(n)) return { ok: false, error: 'not a finite number' };
      const rangeError = checkRange(def.validator, null, n);
      if (rangeError !== null) return { ok: false, error: rangeError };
      value = n;
      break;
    }
    case 'list': {
      const items = parseList(trimmed);
      if (typeof items === 'string') return { ok: false, error: items };
      const oneOfError = checkOneOf(def.validator, items);
      if (oneOfError !== null) return { ok: false, error: oneOfError };
      value = items;
      break;
    }
    case 'string':
    case 'class':
    case 'password': {
      const oneOfError = checkOneOf(def.validator, [trimmed]);
      if (oneOfError !== null) return { ok: false, error: oneOfError };
      value = trimmed;
      break;
    }
  }
  return { ok: true, value };
}

/** Compares exactly (BigInt) for integer types, as doubles otherwise. */
function checkRange(validator: ConfigValidator | undefined, exact: bigint | null, n: number): string | null {
  if (validator === undefined || validator.kind !== 'range') return null;
  if (validator.also?.includes(n) === true) return null;
  const below = validator.min !== undefined && (exact !== null ? exact < BigInt(validator.min) : n < validator.min);
  const above = validator.max !== undefined && (exact !== null ? exact > BigInt(validator.max) : n > validator.max);
  if (!below && !above) return null;
  return `must be ${describeRange(validator)}`;
}

function describeRange(v: { min?: number; max?: number; also?: readonly number[] }): string {
  const also = v.also !== undefined && v.also.length > 0 ? ` or ${v.also.join(' or ')}` : '';
  if (v.min !== undefined && v.max !== undefined) return `between ${v.min} and ${v.max}${also}`;
  if (v.min !== undefined) return `at least ${v.min}${also}`;
  return `at most ${v.max}${also}`;
}

function checkOneOf(validator: ConfigValidator | undefined, items: readonly string[]): string | null {
  if (validator === undefined || validator.kind !== 'oneOf') return null;
  const allowed = `[${validator.values.join(', ')}]`;
  for (const item of items) {
    if (!validator.values.includes(item)) {
      return items.length === 1 ? `must be one of ${allowed}` : `'${item}' is not one of ${allowed}`;
    }
  }
  return null;
}

/**
 * The text Kafka reports for a value that parses (DescribeConfigs): integers
 * without sign or padding, booleans in lower case, doubles as Java prints them
 * ("0.5", "1.0"), lists joined by ",". Returns null when the text does not parse.
 */
export function canonicalText(def: ConfigDef, text: string): string | null {
  const parsed = parseValue(def, text);
  if (!parsed.ok) return null;
  const trimmed = text.trim();
  switch (def.type) {
    case 'short':
    case 'int':
    case 'long':
      return BigInt(trimmed).toString();
    case 'double': {
      const n = parsed.value as number;
      return Number.isInteger(n) && Math.abs(n) < 1e7 ? n.toFixed(1) : String(n);
    }
    case 'boolean':
      return String(parsed.value);
    case 'list':
      return (parsed.value as readonly string[]).join(',');
    default:
      return parsed.value as string;
  }
}

/** The one-line error the resolver and validators report for a bad value. */
export function invalidValueMessage(name: string, text: string, reason: string): string {
  return `invalid value '${text}' for config '${name}': ${reason}`;
}

/** Definitions by name; a duplicate name is a programming error. */
export function indexDefs<T extends ConfigDef>(defs: readonly T[]): ReadonlyMap<string, T> {
  const byName = new Map<string, T>();
  for (const def of defs) {
    if (byName.has(def.name)) throw new Error(`duplicate config definition '${def.name}'`);
    byName.set(def.name, def);
  }
  return byName;
}
