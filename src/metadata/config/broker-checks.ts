/**
 * Broker config values read from the raw map, and the checks that span more
 * than one key (roles and node id, quorum, listeners, log dirs). Each check
 * returns one error line naming the config at fault, or null.
 */
import { brokerConfigDef, SECURITY_PROTOCOLS } from './broker-configs.ts';
import { invalidValueMessage, parseValue, type ConfigValue } from './config-def.ts';

type Raw = Readonly<Record<string, string>>;

/** The text of a broker config: set, else its default, else null. */
export function brokerText(raw: Raw, name: string): string | null {
  if (Object.hasOwn(raw, name)) return raw[name]!;
  const def = brokerConfigDef(name);
  if (def === undefined) throw new Error(`no broker config '${name}'`);
  return def.default;
}

/** The typed value of a broker config whose text was already validated. */
export function brokerValue(raw: Raw, name: string): ConfigValue {
  const text = brokerText(raw, name);
  if (text === null) return null;
  const parsed = parseValue(brokerConfigDef(name)!, text);
  if (!parsed.ok) throw new Error(`broker config '${name}' was not validated: ${parsed.error}`);
  return parsed.value;
}

function invalid(raw: Raw, name: string, reason: string): string {
  return invalidValueMessage(name, brokerText(raw, name) ?? '', reason);
}

/** node.id when set, else a non-negative broker.id, else node.id's default. */
export function resolveNodeId(raw: Raw): number {
  if (Object.hasOwn(raw, 'node.id')) return brokerValue(raw, 'node.id') as number;
  const brokerId = brokerValue(raw, 'broker.id') as number;
  return brokerId >= 0 ? brokerId : (brokerValue(raw, 'node.id') as number);
}

export function checkKraft(raw: Raw): string | null {
  const roles = brokerValue(raw, 'process.roles') as string[];
  if (new Set(roles).size !== roles.length) return invalid(raw, 'process.roles', 'a role is listed twice');
  if (roles.length === 0) return invalid(raw, 'process.roles', 'at least one role is needed');
  const nodeId = resolveNodeId(raw);
  const brokerId = brokerValue(raw, 'broker.id') as number;
  if (Object.hasOwn(raw, 'broker.id') && brokerId !== nodeId) return invalid(raw, 'broker.id', `must equal node.id (${nodeId})`);
  const voterIds: number[] = [];
  for (const voter of brokerValue(raw, 'controller.quorum.voters') as string[]) {
    const m = /^(\d+)@(.+)$/.exec(voter);
    if (m === null || parseHostPort(m[2]!) === null) return invalid(raw, 'controller.quorum.voters', `'${voter}' is not id@host:port`);
    const id = Number(m[1]);
    if (voterIds.includes(id)) return invalid(raw, 'controller.quorum.voters', `voter ${id} is listed twice`);
    voterIds.push(id);
  }
  if (roles.includes('controller') && voterIds.length > 0 && !voterIds.includes(nodeId)) {
    return invalid(raw, 'controller.quorum.voters', `node.id ${nodeId} is a controller but not among the voters`);
  }
  if (!roles.includes('controller') && voterIds.includes(nodeId)) {
    return invalid(raw, 'controller.quorum.voters', `node.id ${nodeId} is a voter but process.roles has no controller`);
  }
  if (!roles.includes('controller') && voterIds.length === 0) {
    return invalid(raw, 'controller.quorum.voters', 'a broker-only node needs the voters to follow');
  }
  for (const server of brokerValue(raw, 'controller.quorum.bootstrap.servers') as string[]) {
    if (parseHostPort(server) === null) return invalid(raw, 'controller.quorum.bootstrap.servers', `'${server}' is not host:port`);
  }
  const controllerNames = brokerText(raw, 'controller.listener.names');
  if (controllerNames !== null && splitNames(controllerNames).some((n) => n === '')) {
    return invalid(raw, 'controller.listener.names', 'a listener name is empty');
  }
  if (voterIds.length > 0 && splitNames(controllerNames).length === 0) {
    return invalid(raw, 'controller.listener.names', 'must name the controller listener when controller.quorum.voters is set');
  }
  if (roles.includes('controller') && voterIds.length > 0) {
    const listeners = parseEndpoints(brokerText(raw, 'listeners')!);
    const name = splitNames(controllerNames)[0]!;
    if (typeof listeners !== 'string' && !listeners.some((l) => l.name === name)) {
      return invalid(raw, 'controller.listener.names', `listener ${name} is not in listeners`);
    }
  }
  return null;
}

const PORT_MAX = 65535;

/** `host:port`, the host possibly empty or a bracketed IPv6 address. */
export function parseHostPort(text: string): { host: string; port: number } | null {
  const m = /^(\[[^\]]*\]|[^:[\]]*):(\d+)$/.exec(text);
  if (m === null) return null;
  const port = Number(m[2]);
  if (port > PORT_MAX) return null;
  return { host: m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!, port };
}

export interface Endpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** `NAME://host:port,...`, names upper-cased as Kafka normalises them; or the reason it is malformed. */
export function parseEndpoints(text: string): Endpoint[] | string {
  const entries = text.trim() === '' ? [] : text.trim().split(/\s*,\s*/);
  const endpoints: Endpoint[] = [];
  for (const entry of entries) {
    const m = /^([A-Za-z0-9_.-]+):\/\/(.*)$/.exec(entry);
    const hostPort = m === null ? null : parseHostPort(m[2]!);
    if (m === null || hostPort === null) return `'${entry}' is not NAME://host:port`;
    const name = m[1]!.toUpperCase();
    if (endpoints.some((e) => e.name === name)) return `listener name ${name} is used twice`;
    endpoints.push({ name, ...hostPort });
  }
  return endpoints;
}

/** `NAME:PROTOCOL,...` with names and protocols upper-cased; or the reason it is malformed. */
export function parseProtocolMap(text: string): Record<string, string> | string {
  const map: Record<string, string> = {};
  const entries = text.trim() === '' ? [] : text.trim().split(/\s*,\s*/);
  for (const entry of entries) {
    const m = /^([A-Za-z0-9_.-]+):([A-Za-z_]+)$/.exec(entry);
    if (m === null) return `'${entry}' is not NAME:PROTOCOL`;
    const name = m[1]!.toUpperCase();
    const protocol = m[2]!.toUpperCase();
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
      return `unknown security protocol '${m[2]}' (one of ${SECURITY_PROTOCOLS.join(', ')})`;
    }
    if (Object.hasOwn(map, name)) return `listener name ${name} is mapped twice`;
    map[name] = protocol;
  }
  return map;
}

export function splitNames(text: string | null): string[] {
  if (text === null || text.trim() === '') return [];
  return text.trim().split(/\s*,\s*/).map((n) => n.toUpperCase());
}

export function checkListeners(raw: Raw): string | null {
  const map = parseProtocolMap(brokerText(raw, 'listener.security.protocol.map')!);
  if (typeof map === 'string') return invalid(raw, 'listener.security.protocol.map', map);
  const listeners = parseEndpoints(brokerText(raw, 'listeners')!);
  if (typeof listeners === 'string') return invalid(raw, 'listeners', listeners);
  if (listeners.length === 0) return invalid(raw, 'listeners', 'at least one listener is needed');
  const controllerNames = splitNames(brokerText(raw, 'controller.listener.names'));
  for (const l of listeners) {
    // As in Kafka, a controller listener left out of the map speaks PLAINTEXT.
    if (!Object.hasOwn(map, l.name) && !controllerNames.includes(l.name)) {
      return invalid(raw, 'listeners', `listener ${l.name} has no entry in listener.security.protocol.map`);
    }
  }
  const advertisedText = brokerText(raw, 'advertised.listeners');
  if (advertisedText !== null) {
    const advertised = parseEndpoints(advertisedText);
    if (typeof advertised === 'string') return invalid(raw, 'advertised.listeners', advertised);
    const meta = advertised.find((e) => e.host === '0.0.0.0' || e.host === '::');
    if (meta !== undefined) return invalid(raw, 'advertised.listeners', `${meta.name} advertises the non-routable address ${meta.host}`);
  }
  const interBroker = brokerText(raw, 'inter.broker.listener.name');
  if (interBroker !== null) {
    if (Object.hasOwn(raw, 'security.inter.broker.protocol')) {
      return invalid(raw, 'inter.broker.listener.name', 'set either it or security.inter.broker.protocol, not both');
    }
    if (!listeners.some((l) => l.name === interBroker.trim().toUpperCase())) {
      return invalid(raw, 'inter.broker.listener.name', 'not one of the listeners');
    }
  }
  return null;
}

export function checkLogDirs(raw: Raw): string | null {
  const name = Object.hasOwn(raw, 'log.dirs') ? 'log.dirs' : 'log.dir';
  const dirs = brokerValue(raw, name) as string[];
  if (dirs.length === 0) return invalid(raw, name, 'at least one directory is needed');
  const duplicate = dirs.find((d, i) => dirs.indexOf(d) !== i);
  if (duplicate !== undefined) return invalid(raw, name, `directory '${duplicate}' is listed twice`);
  return null;
}

/**
 * Kafka's GroupCoordinatorConfig requirements on the KIP-848 settings: each
 * of the session timeout and heartbeat interval within its min/max, the
 * heartbeat shorter than the session, at least one assignor, and the classic
 * protocol always enabled.
 */
export function checkConsumerGroups(raw: Raw): string | null {
  const num = (name: string): number => brokerValue(raw, name) as number;
  for (const what of ['session.timeout.ms', 'heartbeat.interval.ms']) {
    const name = `group.consumer.${what}`;
    const min = num(`group.consumer.min.${what}`);
    const max = num(`group.consumer.max.${what}`);
    if (max < min) return invalid(raw, `group.consumer.max.${what}`, `must be at least group.consumer.min.${what} (${min})`);
    const value = num(name);
    if (value < min || value > max) return invalid(raw, name, `must be between group.consumer.min.${what} (${min}) and group.consumer.max.${what} (${max})`);
  }
  if (num('group.consumer.heartbeat.interval.ms') >= num('group.consumer.session.timeout.ms')) {
    return invalid(raw, 'group.consumer.heartbeat.interval.ms', 'must be less than group.consumer.session.timeout.ms');
  }
  if ((brokerValue(raw, 'group.consumer.assignors') as string[]).length === 0) return invalid(raw, 'group.consumer.assignors', 'at least one assignor is needed');
  if (!(brokerValue(raw, 'group.coordinator.rebalance.protocols') as string[]).includes('classic')) {
    return invalid(raw, 'group.coordinator.rebalance.protocols', "disabling the 'classic' protocol is not supported");
  }
  return null;
}
