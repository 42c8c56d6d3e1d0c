/**
 * Dynamic broker configs, as Kafka's DynamicBrokerConfig layers them: a
 * broker's effective config is, key by key, its per-broker dynamic config
 * (ConfigRecord, resource BROKER, name = its id) over the cluster-wide
 * dynamic default (name '') over its static config (server.properties) over
 * the defaults.
 *
 * `checkDynamicBrokerChange` is what a broker asks before it forwards an
 * AlterConfigs or IncrementalAlterConfigs on a BROKER resource: read-only
 * configs cannot change ("Cannot update these configs dynamically"), per-broker
 * ones only for a named broker, listener and TLS/SASL settings and passwords
 * are not taken (Samsa reads those at start from the static config only, and
 * would store passwords in clear in the metadata log, where Kafka encrypts them
 * with password.encoder.secret), and the result must still be a valid config.
 */
import { ErrorCode } from '../../protocol/index.ts';
import { brokerConfigDef } from './broker-configs.ts';
import { invalidValueMessage, parseValue } from './config-def.ts';
import { resolveBrokerConfig, type BrokerConfig } from './resolve.ts';

type Raw = Readonly<Record<string, string>>;

/** The dynamic layers above a broker's static config. */
export interface DynamicBrokerLayers {
  /** Per-broker dynamic configs (DYNAMIC_BROKER_CONFIG). */
  readonly perBroker: Raw;
  /** Cluster-wide dynamic defaults (DYNAMIC_DEFAULT_BROKER_CONFIG). */
  readonly clusterDefault: Raw;
}

/**
 * TLS settings a live listener takes without a restart (Kafka's reloadable
 * SSL configs, its passwords aside): its key and trust stores, whose files
 * are read again whenever the broker's configs are altered, and the cipher
 * suites and protocol versions, all of which go into the listener's TLS
 * context. Set per broker, as `listener.name.<listener>.<config>` or alone.
 */
export const DYNAMIC_TLS_CONFIGS: ReadonlySet<string> = new Set([
  'ssl.keystore.location', 'ssl.keystore.type', 'ssl.truststore.location', 'ssl.truststore.type', 'ssl.cipher.suites', 'ssl.enabled.protocols',
]);

const LISTENER_PREFIX = /^listener\.name\.[^.]+\./;

/** A config name without its `listener.name.<listener>.` prefix: the config it overrides. */
export function listenerConfigBase(name: string): string {
  return name.replace(LISTENER_PREFIX, '');
}

/** The definition of a dynamic broker config, for a listener-prefixed name that of the config it overrides. */
export function dynamicBrokerConfigDef(name: string): ReturnType<typeof brokerConfigDef> {
  return brokerConfigDef(listenerConfigBase(name));
}

/**
 * Per-broker configs Kafka can change at runtime but Samsa reads only from the
 * static config, when it binds its listeners (before it has a metadata image):
 * refused, since a stored value would never apply, not even after a restart.
 * A listener-prefixed config other than the dynamic TLS ones is one of them.
 */
function isStartupOnly(name: string): boolean {
  const base = listenerConfigBase(name);
  if (DYNAMIC_TLS_CONFIGS.has(base)) return false;
  return base !== name || name === 'listeners' || name === 'advertised.listeners' || name === 'listener.security.protocol.map'
    || name.startsWith('ssl.') || name.startsWith('sasl.');
}

export const NO_DYNAMIC_LAYERS: DynamicBrokerLayers = Object.freeze({ perBroker: Object.freeze({}), clusterDefault: Object.freeze({}) });

/** Static, then the cluster default, then per-broker: later layers win key by key. */
export function layeredBrokerProps(staticRaw: Raw, layers: DynamicBrokerLayers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const layer of [staticRaw, layers.clusterDefault, layers.perBroker]) {
    for (const [k, v] of Object.entries(layer)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The effective config, or the error the layers make (a bad value from an older log): the caller keeps the static config then. */
export function effectiveBrokerConfig(staticConfig: BrokerConfig, layers: DynamicBrokerLayers): { ok: true; config: BrokerConfig } | { ok: false; error: string } {
  if (Object.keys(layers.perBroker).length === 0 && Object.keys(layers.clusterDefault).length === 0) return { ok: true, config: staticConfig };
  return resolveBrokerConfig(layeredBrokerProps(staticConfig.raw, layers));
}

export interface DynamicChangeRefusal {
  readonly errorCode: number;
  readonly errorMessage: string;
}

/**
 * Checks a BROKER resource's target dynamic configs (`target`: the whole set
 * the resource would hold) against this broker's static config and the other
 * layer. `perBroker`: the resource names a broker, else it is the cluster default.
 */
export function checkDynamicBrokerChange(
  staticConfig: BrokerConfig, changed: readonly string[], target: Raw, other: Raw, perBroker: boolean,
): DynamicChangeRefusal | null {
  const unknown = changed.filter((k) => dynamicBrokerConfigDef(k) === undefined);
  if (unknown.length > 0) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Unknown broker configs: ${unknown.join(', ')}` };
  const readOnly = changed.filter((k) => dynamicBrokerConfigDef(k)!.updateMode === 'read-only');
  if (readOnly.length > 0) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Cannot update these configs dynamically: ${readOnly.join(', ')}` };
  const startupOnly = changed.filter(isStartupOnly);
  if (startupOnly.length > 0) {
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `Cannot update these configs dynamically: ${startupOnly.join(', ')}. Samsa reads listener and security settings from the broker's configuration only.`,
    };
  }
  const secret = changed.filter((k) => dynamicBrokerConfigDef(k)!.type === 'password');
  if (secret.length > 0) {
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `Cannot update these configs dynamically: ${secret.join(', ')}. Samsa does not store passwords in the metadata log: set them in the broker's configuration.`,
    };
  }
  const brokerOnly = changed.filter((k) => dynamicBrokerConfigDef(k)!.updateMode === 'per-broker');
  if (!perBroker && brokerOnly.length > 0) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Cannot update these configs at default cluster level, broker id must be specified: ${brokerOnly.join(', ')}` };
  }
  for (const k of changed) {
    if (!Object.hasOwn(target, k)) continue;
    const parsed = parseValue(dynamicBrokerConfigDef(k)!, target[k]!);
    if (!parsed.ok) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: invalidValueMessage(k, target[k]!, parsed.error) };
  }
  const layers = perBroker ? { perBroker: target, clusterDefault: other } : { perBroker: other, clusterDefault: target };
  const resolved = effectiveBrokerConfig(staticConfig, layers);
  if (!resolved.ok) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: resolved.error };
  return null;
}

/**
 * A broker's effective config for a metadata image: recomputed only when the
 * image's dynamic layers for this broker change (a delta keeps untouched
 * config maps, so identity tells).
 */
export class DynamicBrokerConfig {
  readonly staticConfig: BrokerConfig;
  private readonly log: (line: string, level?: 'warn' | 'error') => void;
  private perBroker: ReadonlyMap<string, string> | null = null;
  private clusterDefault: ReadonlyMap<string, string> | null = null;
  private config: BrokerConfig;
  private layersValue: DynamicBrokerLayers = NO_DYNAMIC_LAYERS;

  constructor(staticConfig: BrokerConfig, log: (line: string, level?: 'warn' | 'error') => void) {
    this.staticConfig = staticConfig;
    this.config = staticConfig;
    this.log = log;
  }

  /** The effective config for these dynamic layers (the image's BROKER ConfigRecords for '' and this node's id). */
  current(perBroker: ReadonlyMap<string, string>, clusterDefault: ReadonlyMap<string, string>): BrokerConfig {
    if (perBroker === this.perBroker && clusterDefault === this.clusterDefault) return this.config;
    this.perBroker = perBroker;
    this.clusterDefault = clusterDefault;
    const layers = { perBroker: Object.fromEntries(perBroker), clusterDefault: Object.fromEntries(clusterDefault) };
    const resolved = effectiveBrokerConfig(this.staticConfig, layers);
    if (resolved.ok) {
      this.config = resolved.config;
      this.layersValue = layers;
    } else {
      this.log(`ignoring the dynamic broker configs: ${resolved.error}`, 'warn');
      this.config = this.staticConfig;
      this.layersValue = NO_DYNAMIC_LAYERS;
    }
    return this.config;
  }

  /** The layers behind the last `current` answer. */
  layers(perBroker: ReadonlyMap<string, string>, clusterDefault: ReadonlyMap<string, string>): DynamicBrokerLayers {
    this.current(perBroker, clusterDefault);
    return this.layersValue;
  }
}
