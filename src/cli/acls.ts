/**
 * `samsa acls`: kafka-acls.sh with --bootstrap-server. One of --add,
 * --remove, --list; resources with --topic, --group, --cluster,
 * --transactional-id (repeatable) and --resource-pattern-type; entries with
 * --allow-principal/--deny-principal, --allow-host/--deny-host (`*` when a
 * principal is given without hosts) and --operation (repeatable, ALL when
 * none); the --producer and --consumer shortcuts (with --idempotent and
 * --transactional-id, and --group for consumers). --remove asks before it
 * deletes unless --force. Output follows kafka-acls.sh; --json prints the
 * bindings instead.
 */
import type { Command } from 'commander';
import type { AclBinding, AclBindingFilter, AclAdmin } from '../client/index.ts';
import {
  AclOperation, AclPatternType, AclPermissionType, AclResourceType, CLUSTER_RESOURCE_NAME, SUPPORTED_OPERATIONS, aclOperationName,
  aclPatternTypeName, aclPermissionTypeName, aclResourceTypeName,
} from '../protocol/acl-codes.ts';
import { CliError, EXIT_USAGE, clusterFrom, collect, print, runCommand, withBootstrap, type ConnectFlags } from './common.ts';
import { io } from './io.ts';

interface AclsFlags extends ConnectFlags {
  json?: boolean;
  add?: boolean;
  remove?: boolean;
  list?: boolean;
  force?: boolean;
  topic: string[];
  group: string[];
  cluster?: boolean;
  transactionalId: string[];
  delegationToken: string[];
  userPrincipal: string[];
  resourcePatternType: string;
  allowPrincipal: string[];
  denyPrincipal: string[];
  allowHost: string[];
  denyHost: string[];
  principal: string[];
  operation: string[];
  producer?: boolean;
  consumer?: boolean;
  idempotent?: boolean;
}

const RESOURCE_OPTIONS = 'You must specify one of: --topic, --cluster, --group, --transactional-id, --delegation-token, --user-principal';

interface Pattern { resourceType: number; name: string; patternType: number }
type Entry = Pick<AclBinding, 'principal' | 'host' | 'operation' | 'permissionType'>;

export function register(program: Command): void {
  withBootstrap(program.command('acls').description('add, remove and list ACLs (kafka-acls)'))
    .option('--add', 'add ACLs')
    .option('--remove', 'remove ACLs')
    .option('--list', 'list ACLs')
    .option('--force', 'remove without asking')
    .option('--topic <topic>', 'a topic resource (repeatable; `*` for every topic)', collect, [])
    .option('--group <group>', 'a consumer group resource (repeatable)', collect, [])
    .option('--cluster', 'the cluster resource')
    .option('--transactional-id <id>', 'a transactional id resource (repeatable)', collect, [])
    .option('--delegation-token <token-id>', 'a delegation token resource (repeatable; Describe)', collect, [])
    .option('--user-principal <principal>', 'a user resource, e.g. User:carol (repeatable; CreateTokens, DescribeTokens)', collect, [])
    .option('--resource-pattern-type <type>', 'literal, prefixed; for --list and --remove also any, match', 'literal')
    .option('--allow-principal <principal>', 'principal to allow, e.g. User:alice (repeatable)', collect, [])
    .option('--deny-principal <principal>', 'principal to deny (repeatable)', collect, [])
    .option('--allow-host <host>', 'host to allow from (repeatable; * when not given)', collect, [])
    .option('--deny-host <host>', 'host to deny from (repeatable; * when not given)', collect, [])
    .option('--principal <principal>', 'with --list: only the ACLs of this principal (repeatable)', collect, [])
    .option('--operation <operation>', 'Read, Write, Create, Delete, Alter, Describe, ClusterAction, AlterConfigs, DescribeConfigs, IdempotentWrite, All (repeatable)', collect, [])
    .option('--producer', 'the ACLs a producer needs on the --topic resources (WRITE, DESCRIBE, CREATE)')
    .option('--consumer', 'the ACLs a consumer needs on the --topic and --group resources (READ, DESCRIBE; READ)')
    .option('--idempotent', 'with --producer: IDEMPOTENT_WRITE on the cluster')
    .exitOverride()
    .action((flags: AclsFlags) => runCommand(() => acls(flags)));
}

async function acls(flags: AclsFlags): Promise<void> {
  const actions = (['add', 'remove', 'list'] as const).filter((a) => flags[a] === true);
  if (actions.length !== 1) throw new CliError('Command must include exactly one action: --list, --add, --remove.', EXIT_USAGE);
  const action = actions[0]!;
  if ((flags.producer === true || flags.consumer === true) && action !== 'add' && action !== 'remove') {
    throw new CliError('--producer and --consumer go with --add or --remove', EXIT_USAGE);
  }
  const patternType = patternTypeOf(flags.resourcePatternType, action);
  const { AclAdmin } = await import('../client/index.ts');
  const cluster = await clusterFrom(flags);
  try {
    const admin = new AclAdmin(cluster);
    if (action === 'add') await add(admin, flags, patternType);
    else if (action === 'remove') await remove(admin, flags, patternType);
    else await list(admin, flags, patternType);
  } finally {
    await cluster.close();
  }
}

function patternTypeOf(text: string, action: string): number {
  const id = (AclPatternType as Record<string, number>)[text.toUpperCase()];
  if (id === undefined || id === AclPatternType.UNKNOWN) throw new CliError(`Unknown --resource-pattern-type ${text}: literal, prefixed, any or match`, EXIT_USAGE);
  if (action === 'add' && id !== AclPatternType.LITERAL && id !== AclPatternType.PREFIXED) {
    throw new CliError(`A --resource-pattern-type of ${text} is only valid with --list or --remove; --add takes literal or prefixed`, EXIT_USAGE);
  }
  return id;
}

/** The resources named on the command line. */
function patternsOf(flags: AclsFlags, patternType: number): Pattern[] {
  const out: Pattern[] = [];
  for (const name of flags.topic) out.push({ resourceType: AclResourceType.TOPIC, name, patternType });
  for (const name of flags.group) out.push({ resourceType: AclResourceType.GROUP, name, patternType });
  for (const name of flags.transactionalId) out.push({ resourceType: AclResourceType.TRANSACTIONAL_ID, name, patternType });
  for (const name of flags.delegationToken) out.push({ resourceType: AclResourceType.DELEGATION_TOKEN, name, patternType });
  for (const name of flags.userPrincipal) out.push({ resourceType: AclResourceType.USER, name, patternType });
  if (flags.cluster === true) out.push({ resourceType: AclResourceType.CLUSTER, name: CLUSTER_RESOURCE_NAME, patternType: AclPatternType.LITERAL });
  return out;
}

/** `Read`, `IdempotentWrite`, `ALTER_CONFIGS` → the operation id. */
function operationOf(text: string): number {
  const key = text.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  const id = (AclOperation as Record<string, number>)[key];
  if (id === undefined || id === AclOperation.ANY || id === AclOperation.UNKNOWN) throw new CliError(`Unknown operation ${text}`, EXIT_USAGE);
  return id;
}

function entriesOf(flags: AclsFlags, operations: readonly number[]): Entry[] {
  const out: Entry[] = [];
  const each = (principals: string[], hosts: string[], permissionType: number): void => {
    for (const principal of principals) {
      if (!principal.includes(':')) throw new CliError(`Could not parse principal ${principal}: expected Type:name, e.g. User:alice`, EXIT_USAGE);
      for (const host of hosts.length === 0 ? ['*'] : hosts) for (const operation of operations) out.push({ principal, host, operation, permissionType });
    }
  };
  each(flags.allowPrincipal, flags.allowHost, AclPermissionType.ALLOW);
  each(flags.denyPrincipal, flags.denyHost, AclPermissionType.DENY);
  return out;
}

/** Each resource with the entries to put on it, from --operation or the --producer/--consumer shortcuts. */
function bindingsToAdd(flags: AclsFlags, patternType: number): Map<string, { pattern: Pattern; entries: Entry[] }> {
  const byResource = new Map<string, { pattern: Pattern; entries: Entry[] }>();
  const put = (pattern: Pattern, operations: number[]): void => {
    const key = patternText(pattern);
    const slot = byResource.get(key) ?? { pattern, entries: [] };
    slot.entries.push(...entriesOf(flags, operations));
    byResource.set(key, slot);
  };
  const patterns = patternsOf(flags, patternType);
  if (flags.producer === true || flags.consumer === true) {
    const topics = patterns.filter((p) => p.resourceType === AclResourceType.TOPIC);
    if (topics.length === 0) throw new CliError('--producer and --consumer need at least one --topic', EXIT_USAGE);
    if (flags.producer === true) {
      for (const t of topics) put(t, [AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.CREATE]);
      for (const p of patterns.filter((x) => x.resourceType === AclResourceType.TRANSACTIONAL_ID)) put(p, [AclOperation.WRITE, AclOperation.DESCRIBE]);
      if (flags.idempotent === true) {
        put({ resourceType: AclResourceType.CLUSTER, name: CLUSTER_RESOURCE_NAME, patternType: AclPatternType.LITERAL }, [AclOperation.IDEMPOTENT_WRITE]);
      }
    }
    if (flags.consumer === true) {
      const groups = patterns.filter((p) => p.resourceType === AclResourceType.GROUP);
      if (groups.length === 0) throw new CliError('--consumer needs at least one --group', EXIT_USAGE);
      for (const t of topics) put(t, [AclOperation.READ, AclOperation.DESCRIBE]);
      for (const g of groups) put(g, [AclOperation.READ]);
    }
    return byResource;
  }
  if (patterns.length === 0) throw new CliError(RESOURCE_OPTIONS, EXIT_USAGE);
  const operations = flags.operation.length === 0 ? [AclOperation.ALL] : [...new Set(flags.operation.map(operationOf))];
  for (const pattern of patterns) {
    const supported = SUPPORTED_OPERATIONS.get(pattern.resourceType) ?? [];
    const unsupported = operations.filter((op) => op !== AclOperation.ALL && !supported.includes(op));
    if (unsupported.length > 0) {
      throw new CliError(`ResourceType ${aclResourceTypeName(pattern.resourceType)} only supports operations ${[AclOperation.ALL, ...supported].map(aclOperationName).join(',')}`, EXIT_USAGE);
    }
    put(pattern, operations);
  }
  return byResource;
}

async function add(admin: AclAdmin, flags: AclsFlags, patternType: number): Promise<void> {
  const byResource = bindingsToAdd(flags, patternType);
  if ([...byResource.values()].some((r) => r.entries.length === 0)) {
    throw new CliError('You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.', EXIT_USAGE);
  }
  const bindings = [...byResource.values()].flatMap(({ pattern, entries }) => entries.map((e) => bindingOf(pattern, e)));
  const results = await admin.createAcls(bindings);
  const failed = results.findIndex((r) => r.errorCode !== 0);
  if (failed >= 0) {
    const r = results[failed]!;
    throw new CliError(`Error while adding ACLs: ${r.errorMessage ?? r.error} (${r.error})`);
  }
  if (flags.json === true) {
    print(true, { added: bindings.map(jsonOf) }, () => '');
    return;
  }
  for (const { pattern, entries } of byResource.values()) io().out(block('Adding ACLs for resource', pattern, entries));
  await list(admin, { ...flags, principal: [] }, patternType, [...byResource.values()].map((r) => r.pattern));
}

async function remove(admin: AclAdmin, flags: AclsFlags, patternType: number): Promise<void> {
  const patterns = flags.producer === true || flags.consumer === true
    ? [...bindingsToAdd(flags, patternType).values()].map((r) => r.pattern) : patternsOf(flags, patternType);
  if (patterns.length === 0) throw new CliError(RESOURCE_OPTIONS, EXIT_USAGE);
  const hasEntries = flags.allowPrincipal.length + flags.denyPrincipal.length > 0;
  const filters: AclBindingFilter[] = [];
  for (const pattern of patterns) {
    const base = { resourceType: pattern.resourceType, resourceName: pattern.name, patternType: pattern.patternType };
    if (!hasEntries) {
      filters.push({ ...base, principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY });
      continue;
    }
    const operations = flags.producer === true || flags.consumer === true
      ? [...bindingsToAdd(flags, patternType).get(patternText(pattern))?.entries.map((e) => e.operation) ?? []]
      : flags.operation.length === 0 ? [AclOperation.ALL] : flags.operation.map(operationOf);
    for (const e of entriesOf(flags, [...new Set(operations)])) filters.push({ ...base, ...e });
  }
  if (flags.force !== true && !(await confirmed(patterns))) return;
  const results = await admin.deleteAcls(filters);
  const failed = results.find((r) => r.errorCode !== 0);
  if (failed !== undefined) throw new CliError(`Error while removing ACLs: ${failed.errorMessage ?? failed.error} (${failed.error})`);
  const deleted = results.flatMap((r) => r.deleted);
  if (flags.json === true) {
    print(true, { removed: deleted.map(jsonOf) }, () => '');
    return;
  }
  for (const pattern of patterns) {
    const entries = hasEntries ? entriesOf(flags, [...new Set(filters.filter((f) => f.resourceName === pattern.name && f.resourceType === pattern.resourceType).map((f) => f.operation))]) : [];
    io().out(hasEntries ? block('Removing ACLs for resource', pattern, entries) : `Removing all ACLs for resource \`${patternText(pattern)}\``);
  }
  await list(admin, { ...flags, principal: [] }, patternType, patterns);
}

/** kafka-acls.sh asks before it removes anything; `y` on stdin goes ahead. */
async function confirmed(patterns: readonly Pattern[]): Promise<boolean> {
  io().out(`Are you sure you want to remove ACLs: ${patterns.map((p) => `\`${patternText(p)}\``).join(', ')}? (y/n)`);
  let text = '';
  for await (const chunk of io().stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.trim().toLowerCase().startsWith('y');
}

async function list(admin: AclAdmin, flags: AclsFlags, patternType: number, only?: readonly Pattern[]): Promise<void> {
  const patterns = only ?? patternsOf(flags, patternType);
  const filters: AclBindingFilter[] = patterns.length === 0
    ? [{ resourceType: AclResourceType.ANY, resourceName: null, patternType: AclPatternType.ANY, principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY }]
    : patterns.map((p) => ({
      resourceType: p.resourceType, resourceName: p.name, patternType: p.patternType, principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY,
    }));
  const found: AclBinding[] = [];
  for (const filter of filters) found.push(...await admin.describeAcls(filter));
  const shown = flags.principal.length === 0 ? found : found.filter((b) => flags.principal.includes(b.principal));
  const byResource = new Map<string, { pattern: Pattern; entries: Entry[] }>();
  for (const b of shown) {
    const pattern = { resourceType: b.resourceType, name: b.resourceName, patternType: b.patternType };
    const key = patternText(pattern);
    const slot = byResource.get(key) ?? { pattern, entries: [] };
    slot.entries.push(b);
    byResource.set(key, slot);
  }
  print(flags.json === true, shown.map(jsonOf), () => [...byResource.values()]
    .map(({ pattern, entries }) => block(flags.principal.length === 0 ? 'Current ACLs for resource' : `ACLs for principal \`${flags.principal.join(', ')}\``, pattern, entries)).join('\n'));
}

function bindingOf(pattern: Pattern, e: Entry): AclBinding {
  return { resourceType: pattern.resourceType, resourceName: pattern.name, patternType: pattern.patternType, ...e };
}

function patternText(p: Pattern): string {
  return `ResourcePattern(resourceType=${aclResourceTypeName(p.resourceType)}, name=${p.name}, patternType=${aclPatternTypeName(p.patternType)})`;
}

function entryText(e: Entry): string {
  return `(principal=${e.principal}, host=${e.host}, operation=${aclOperationName(e.operation)}, permissionType=${aclPermissionTypeName(e.permissionType)})`;
}

/** kafka-acls.sh's block: the heading line, then each entry on its own line after a tab. */
function block(heading: string, pattern: Pattern, entries: readonly Entry[]): string {
  return `${heading} \`${patternText(pattern)}\`: \n${entries.map((e) => ` \t${entryText(e)}`).join('\n')} \n`;
}

function jsonOf(b: AclBinding): Record<string, string> {
  return {
    resourceType: aclResourceTypeName(b.resourceType), name: b.resourceName, patternType: aclPatternTypeName(b.patternType),
    principal: b.principal, host: b.host, operation: aclOperationName(b.operation), permissionType: aclPermissionTypeName(b.permissionType),
  };
}
