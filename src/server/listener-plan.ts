/**
 * Which listeners a node opens and how it reaches its peers: every broker
 * listener (those not named in controller.listener.names) with the security
 * its protocol asks for, the endpoint each advertises, the inter-broker
 * listener (inter.broker.listener.name, else the listener of
 * security.inter.broker.protocol) and the client side of the controller
 * listener. Security config problems become ConfigError.
 */
import { parseEndpoints, type BrokerConfig, type Endpoint, type SecurityProtocol } from '../metadata/index.ts';
import {
  SecurityConfigError, clientSecurityFor, listenerSecurity, protocolOf, type ClientSecurity, type ListenerSecurity,
} from '../security/index.ts';
import type { InterBrokerListener } from './broker-connections.ts';
import { ConfigError } from './config-error.ts';

export interface PlannedListener {
  readonly endpoint: Endpoint;
  readonly security: ListenerSecurity;
}

/** A listener as it is bound and advertised. */
export interface ListenerInfo {
  readonly name: string;
  readonly securityProtocol: SecurityProtocol;
  /** The advertised host (the bound one unless advertised.listeners says otherwise). */
  readonly host: string;
  /** The advertised port (the bound one for port 0). */
  readonly port: number;
}

function configErrors<T>(body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof SecurityConfigError) throw new ConfigError(e.message);
    throw e;
  }
}

/** The security of one listener, its problems as ConfigError; `log` takes its later troubles (a JWKS it cannot fetch). */
export function planListener(config: BrokerConfig, endpoint: Endpoint, log?: (line: string) => void): PlannedListener {
  return { endpoint, security: configErrors(() => listenerSecurity(config, endpoint.name, log)) };
}

/** advertised.listeners' entry for a listener, else the bound address (loopback for a wildcard bind). */
export function advertisedEndpoint(config: BrokerConfig, listener: Endpoint, port: number): { host: string; port: number } {
  const advertised = config.advertisedListeners === null ? [] : parseEndpoints(config.advertisedListeners) as Endpoint[];
  const entry = advertised.find((e) => e.name === listener.name);
  if (entry !== undefined) return { host: entry.host, port: entry.port === 0 ? port : entry.port };
  const host = listener.host === '' || listener.host === '0.0.0.0' || listener.host === '::' ? '127.0.0.1' : listener.host;
  return { host, port };
}

/**
 * The listener brokers talk to each other on: inter.broker.listener.name;
 * else, as Kafka, the listener named after security.inter.broker.protocol;
 * else (where Kafka refuses to start) the first listener speaking that
 * protocol, else the first broker listener.
 */
export function interBrokerListenerName(config: BrokerConfig, brokerListeners: readonly string[]): string {
  if (config.interBrokerListenerName !== null) return config.interBrokerListenerName.trim().toUpperCase();
  const protocol = String(config.raw['security.inter.broker.protocol'] ?? 'PLAINTEXT').trim().toUpperCase();
  if (brokerListeners.includes(protocol)) return protocol;
  return brokerListeners.find((name) => protocolOf(config, name) === protocol) ?? brokerListeners[0]!;
}

/**
 * How this broker connects to the others. With `strict` (a node that has
 * peers) a listener it cannot log in to is a ConfigError now; a single node
 * defers it to the first use, which then fails with the same message.
 */
export function interBrokerListener(config: BrokerConfig, name: string, strict: boolean): InterBrokerListener {
  let security: ClientSecurity | null = null;
  let failure: Error | null = null;
  try {
    security = configErrors(() => clientSecurityFor(config, name, 'sasl.mechanism.inter.broker.protocol'));
  } catch (e) {
    if (strict) throw e;
    failure = e as Error;
  }
  return {
    name,
    security: () => {
      if (security === null) throw failure!;
      return security;
    },
  };
}

/** How this node connects to the controllers' listener (the first of controller.listener.names). */
export function controllerClientSecurity(config: BrokerConfig, controllerName: string): ClientSecurity {
  return configErrors(() => clientSecurityFor(config, controllerName, 'sasl.mechanism.controller.protocol'));
}
