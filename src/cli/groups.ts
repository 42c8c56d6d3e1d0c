/**
 * `samsa groups`: kafka-consumer-groups.sh's list, describe (lag), reset-offsets
 * and delete. Describe and delete take several groups (repeated --group, or
 * --all-groups); their rows carry a GROUP column, as Kafka's tool prints.
 */
import type { Command } from 'commander';
import type { Admin, ConsumerGroupDescription, GroupDescription, GroupOffset } from '../client/index.ts';
import { CliError, EXIT_USAGE, print, runCommand, table, withBootstrap } from './common.ts';
import { type AdminFlags, bigintArg, collect, oneAction, required, withAdmin } from './admin-options.ts';
import { parsePartitionList } from './offsets.ts';
import { errorName as errorLabel } from '../protocol/error-codes.ts';
import { io } from './io.ts';

const ACTIONS = ['list', 'describe', 'resetOffsets', 'delete', 'deleteOffsets'] as const;
const RESETS = ['toEarliest', 'toLatest', 'toCurrent', 'toOffset', 'shiftBy', 'toDatetime', 'byDuration'] as const;
const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

interface GroupsFlags extends AdminFlags {
  list?: boolean; describe?: boolean; resetOffsets?: boolean; delete?: boolean; deleteOffsets?: boolean;
  group: string[];
  allGroups?: boolean;
  members?: boolean;
  state?: boolean;
  offsets?: boolean;
  verbose?: boolean;
  topic: string[];
  allTopics?: boolean;
  toEarliest?: boolean; toLatest?: boolean; toCurrent?: boolean; toOffset?: bigint; shiftBy?: bigint; toDatetime?: string; byDuration?: string;
  dryRun?: boolean;
  execute?: boolean;
}

export function register(program: Command): void {
  withBootstrap(program.command('groups').description('list, describe, reset offsets of and delete consumer groups'))
    .option('--list', 'list groups')
    .option('--describe', 'a group\'s offsets and lag per partition (--members, --state for other views)')
    .option('--reset-offsets', 'move a stopped group\'s committed offsets')
    .option('--delete', 'delete a group with no active members')
    .option('--delete-offsets', 'delete a group\'s committed offsets of --topic T[:p1,p2] (repeatable)')
    .option('--group <id>', 'the group (repeatable for --describe and --delete)', collect, [])
    .option('--all-groups', 'describe or delete every group')
    .option('--members', 'describe: the members and their assignments')
    .option('--offsets', 'describe: offsets and lag per partition (the default view)')
    .option('--verbose', 'describe: every detail (samsa always prints them; accepted for kafka-consumer-groups.sh parity)')
    .option('--state', 'describe: the group\'s state')
    .option('--topic <topic[:p1,p2]>', 'reset-offsets: a topic, optionally some partitions (repeatable)', collect, [])
    .option('--all-topics', 'reset-offsets: every topic the group has offsets for')
    .option('--to-earliest', 'reset to the earliest offset')
    .option('--to-latest', 'reset to the latest offset')
    .option('--to-current', 'reset to the current committed offset (the log end where there is none)')
    .option('--to-offset <n>', 'reset to an offset', bigintArg)
    .option('--shift-by <n>', 'move the committed offset by n (negative: back)', bigintArg)
    .option('--to-datetime <iso>', 'reset to the first offset at or after a time (ISO 8601)')
    .option('--by-duration <PnDTnHnMnS>', 'reset to the first offset at or after now minus a duration')
    .option('--dry-run', 'reset-offsets: show the new offsets only')
    .option('--execute', 'reset-offsets: commit the new offsets')
    .action((flags: GroupsFlags) => runCommand(() => withAdmin(flags, (admin) => groups(admin, flags))));
}

async function groups(admin: Admin, flags: GroupsFlags): Promise<void> {
  const action = oneAction(flags as unknown as Record<string, unknown>, ACTIONS, 'groups');
  if (action === 'list') {
    const listed = await admin.listGroups();
    // TYPE: classic or consumer (KIP-848), as kafka-consumer-groups.sh --list --type prints it.
    print(flags.json === true, listed, () => table(['GROUP', 'STATE', 'PROTOCOL-TYPE', 'TYPE'], listed.map((g) => [g.groupId, g.state, g.protocolType, g.type || null])));
    return;
  }
  const groupIds = await selectGroups(admin, action, flags);
  if (action === 'delete') await deleteGroups(admin, groupIds, flags);
  else if (action === 'describe') await describe(admin, groupIds, flags);
  else if (action === 'deleteOffsets') await deleteOffsets(admin, groupIds[0]!, flags);
  else await resetOffsets(admin, groupIds[0]!, flags);
}

/** The groups named by --group (repeated) or --all-groups; reset-offsets takes exactly one. */
async function selectGroups(admin: Admin, action: Exclude<(typeof ACTIONS)[number], 'list'>, flags: GroupsFlags): Promise<string[]> {
  const single = action === 'resetOffsets' || action === 'deleteOffsets';
  const context = `groups --${action === 'resetOffsets' ? 'reset-offsets' : action === 'deleteOffsets' ? 'delete-offsets' : action}`;
  if (flags.allGroups === true) {
    if (single) throw new CliError(`${context} takes one --group, not --all-groups`, EXIT_USAGE);
    if (flags.group.length > 0) throw new CliError(`${context}: --group and --all-groups cannot be used together`, EXIT_USAGE);
    return (await admin.listGroups()).map((g) => g.groupId).sort();
  }
  if (flags.group.length === 0) required(undefined, '--group', context);
  if (single && flags.group.length > 1) throw new CliError(`${context} takes one --group`, EXIT_USAGE);
  return [...new Set(flags.group)];
}

/** Deletes each group; the ones that failed are named in one line at the end (exit 1), after the others were deleted. */
async function deleteGroups(admin: Admin, groupIds: string[], flags: GroupsFlags): Promise<void> {
  const deleted: string[] = [];
  const failed: string[] = [];
  for (const id of groupIds) {
    try {
      await admin.deleteGroups([id]);
      deleted.push(id);
    } catch (e) {
      failed.push((e as Error).message);
    }
  }
  if (deleted.length > 0 || failed.length === 0) {
    print(flags.json === true, { deleted }, () => (deleted.length === 0 ? 'No groups to delete.' : deleted.map((id) => `Deleted group ${id}.`).join('\n')));
  }
  if (failed.length > 0) throw new CliError(failed.join('; '));
}

interface Described {
  desc: GroupDescription;
  committed: GroupOffset[];
  /** Set for a KIP-848 (consumer protocol) group. */
  consumer: ConsumerGroupDescription | null;
}

async function describeGroup(admin: Admin, group: string): Promise<Described> {
  const consumer = await admin.describeConsumerGroup(group);
  const committed = await admin.fetchCommittedOffsets(group);
  if (consumer !== null) {
    // The classic view of a consumer group, so the offsets view works on both.
    const desc: GroupDescription = {
      groupId: group, state: consumer.state, protocolType: 'consumer', protocol: consumer.assignor,
      members: consumer.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.instanceId, clientId: m.clientId, host: m.host, assignment: m.assignment })),
    };
    return { desc, committed, consumer };
  }
  const [desc] = await admin.describeGroups([group]);
  if (desc === undefined || (desc.state === 'Dead' && committed.length === 0)) throw new CliError(`group '${group}' does not exist`);
  return { desc, committed, consumer: null };
}

const assignmentText = (a: { topic: string; partitions: number[] }[]): string => a.map((t) => `${t.topic}(${t.partitions.join(',')})`).join(' ');

/** One table (one JSON array) for all the groups, each row naming its group. */
async function describe(admin: Admin, groupIds: string[], flags: GroupsFlags): Promise<void> {
  const json = flags.json === true;
  if ([flags.members, flags.state, flags.offsets].filter((v) => v === true).length > 1) {
    throw new CliError('groups --describe takes one of --members, --offsets or --state', EXIT_USAGE);
  }
  const described: ({ group: string } & Described)[] = [];
  for (const group of groupIds) described.push({ group, ...await describeGroup(admin, group) });
  const anyConsumer = described.some((d) => d.consumer !== null);
  if (flags.state && anyConsumer) {
    // As kafka-consumer-groups.sh --describe --state --verbose shows consumer-protocol groups: the group and target assignment epochs too.
    const states = described.map(({ group, desc, consumer }) => ({
      group, type: consumer === null ? 'classic' : 'consumer', state: desc.state, protocolType: desc.protocolType, protocol: desc.protocol,
      groupEpoch: consumer?.groupEpoch ?? null, targetAssignmentEpoch: consumer?.assignmentEpoch ?? null, members: desc.members.length,
    }));
    print(json, states, () => table(['GROUP', 'TYPE', 'STATE', 'PROTOCOL-TYPE', 'ASSIGNMENT-STRATEGY', 'GROUP-EPOCH', 'TARGET-ASSIGNMENT-EPOCH', '#MEMBERS'],
      states.map((g) => [g.group, g.type, g.state, g.protocolType, g.protocol || null, g.groupEpoch, g.targetAssignmentEpoch, g.members])));
    return;
  }
  if (flags.members && anyConsumer) {
    // Consumer-protocol members: their epoch, what they own now and what the group's target gives them.
    const members = described.flatMap(({ group, desc, consumer }) => consumer !== null
      ? consumer.members.map((m) => ({
        group, memberId: m.memberId, groupInstanceId: m.instanceId, host: m.host, clientId: m.clientId, memberEpoch: m.memberEpoch as number | null,
        assignment: m.assignment, targetEpoch: consumer.assignmentEpoch as number | null, targetAssignment: m.targetAssignment as { topic: string; partitions: number[] }[] | null,
      }))
      : desc.members.map((m) => ({ group, ...m, memberEpoch: null, targetEpoch: null, targetAssignment: null })));
    const rows = members.map((m) => [m.group, m.memberId, m.groupInstanceId, m.host, m.clientId,
      m.assignment.reduce((n, a) => n + a.partitions.length, 0), m.memberEpoch, assignmentText(m.assignment),
      m.targetEpoch, m.targetAssignment === null ? null : assignmentText(m.targetAssignment)]);
    print(json, members, () => table(['GROUP', 'CONSUMER-ID', 'GROUP-INSTANCE-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS',
      'CURRENT-EPOCH', 'CURRENT-ASSIGNMENT', 'TARGET-EPOCH', 'TARGET-ASSIGNMENT'], rows));
    return;
  }
  if (flags.state) {
    const states = described.map(({ group, desc }) => ({ group, state: desc.state, protocolType: desc.protocolType, protocol: desc.protocol, members: desc.members.length }));
    print(json, states, () => table(['GROUP', 'STATE', 'PROTOCOL-TYPE', 'ASSIGNMENT-STRATEGY', '#MEMBERS'],
      states.map((g) => [g.group, g.state, g.protocolType, g.protocol || null, g.members])));
    return;
  }
  if (flags.members) {
    const members = described.flatMap(({ group, desc }) => desc.members.map((m) => ({ group, ...m })));
    const rows = members.map((m) => [m.group, m.memberId, m.groupInstanceId, m.host, m.clientId,
      m.assignment.reduce((n, a) => n + a.partitions.length, 0), assignmentText(m.assignment)]);
    print(json, members, () => table(['GROUP', 'CONSUMER-ID', 'GROUP-INSTANCE-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS', 'ASSIGNMENT'], rows));
    return;
  }
  const rows: LagRow[] = [];
  for (const { group, desc, committed } of described) {
    rows.push(...await lagRows(admin, group, desc, committed));
    if (!json && desc.members.length === 0) io().err(`Consumer group '${group}' has no active members.`);
  }
  print(json, rows, () => table(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'],
    rows.map((r) => [r.group, r.topic, r.partition, r.currentOffset, r.logEndOffset, r.lag, r.consumerId, r.host, r.clientId])));
}

interface LagRow {
  group: string; topic: string; partition: number; currentOffset: bigint | null; logEndOffset: bigint | null; lag: bigint | null;
  consumerId: string | null; host: string | null; clientId: string | null;
}

/** One row per partition the group has committed or is assigned, with lag = log end - committed. */
async function lagRows(admin: Admin, group: string, desc: GroupDescription, committed: GroupOffset[]): Promise<LagRow[]> {
  const rows = new Map<string, LagRow>();
  const row = (topic: string, partition: number): LagRow => {
    const key = `${topic}\0${partition}`;
    let r = rows.get(key);
    if (r === undefined) {
      r = { group, topic, partition, currentOffset: null, logEndOffset: null, lag: null, consumerId: null, host: null, clientId: null };
      rows.set(key, r);
    }
    return r;
  };
  for (const c of committed) row(c.topic, c.partition).currentOffset = c.offset;
  for (const m of desc.members) {
    for (const a of m.assignment) {
      for (const p of a.partitions) Object.assign(row(a.topic, p), { consumerId: m.memberId, host: m.host, clientId: m.clientId });
    }
  }
  for (const topic of new Set([...rows.values()].map((r) => r.topic))) {
    const ends = await admin.listOffsets(topic, 'latest').catch(() => []);
    for (const e of ends) {
      const r = rows.get(`${topic}\0${e.partition}`);
      if (r === undefined) continue;
      r.logEndOffset = e.offset;
      r.lag = r.currentOffset === null ? null : e.offset - r.currentOffset;
    }
  }
  return [...rows.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

export function parseDurationMs(text: string): number {
  const m = DURATION.exec(text);
  if (m === null || text.toUpperCase() === 'P' || text.toUpperCase() === 'PT') {
    throw new CliError(`invalid --by-duration '${text}': expected PnDTnHnMnS, e.g. PT1H30M`, EXIT_USAGE);
  }
  const [, d, h, min, s] = m;
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Number(s ?? 0) * 1000;
}

/** The topic-partitions a reset covers: --topic T[:p,...] entries, or --all-topics (those with committed offsets). */
async function resetScope(admin: Admin, flags: GroupsFlags, committed: GroupOffset[]): Promise<{ topic: string; partition: number }[]> {
  if (flags.allTopics) return committed.map((c) => ({ topic: c.topic, partition: c.partition }));
  if (flags.topic.length === 0) throw new CliError('groups --reset-offsets needs --topic or --all-topics', EXIT_USAGE);
  const out: { topic: string; partition: number }[] = [];
  for (const spec of flags.topic) {
    const at = spec.indexOf(':');
    const topic = at < 0 ? spec : spec.slice(0, at);
    const [info] = await admin.describeTopics([topic]);
    const partitions = at < 0 ? info!.partitions.map((p) => p.partition) : parsePartitionList(spec.slice(at + 1));
    out.push(...partitions.map((partition) => ({ topic, partition })));
  }
  return out;
}

/** kafka-consumer-groups --delete-offsets: a group's committed offsets of some topics (or partitions) go. */
async function deleteOffsets(admin: Admin, group: string, flags: GroupsFlags): Promise<void> {
  if (flags.topic.length === 0) throw new CliError('groups --delete-offsets needs --topic', EXIT_USAGE);
  const scope = await resetScope(admin, { ...flags, allTopics: false }, []);
  const results = await admin.deleteGroupOffsets(group, scope);
  const failed = results.filter((r) => r.errorCode !== 0);
  print(flags.json === true, results.map((r) => ({ group, topic: r.topic, partition: r.partition, status: r.errorCode === 0 ? 'Successful' : errorLabel(r.errorCode) })),
    () => `${failed.length === 0 ? 'Request succeed' : 'Request failed'} for deleting offsets with topic ${[...new Set(scope.map((p) => p.topic))].join(',')} group ${group}\n`
      + table(['TOPIC', 'PARTITION', 'STATUS'], results.map((r) => [r.topic, r.partition, r.errorCode === 0 ? 'Successful' : errorLabel(r.errorCode)])));
  if (failed.length > 0) throw new CliError(`could not delete the offsets of ${failed.map((r) => `${r.topic}:${r.partition} (${errorLabel(r.errorCode)})`).join(', ')}`);
}

async function resetOffsets(admin: Admin, group: string, flags: GroupsFlags): Promise<void> {
  const how = oneAction(flags as unknown as Record<string, unknown>, RESETS, 'groups --reset-offsets');
  if (flags.dryRun && flags.execute) throw new CliError('groups --reset-offsets: --dry-run and --execute exclude each other', EXIT_USAGE);
  const [desc] = await admin.describeGroups([group]);
  if (desc !== undefined && desc.state !== 'Empty' && desc.state !== 'Dead') {
    throw new CliError(`group '${group}' is ${desc.state} with ${desc.members.length} member(s): offsets can only be reset while it has no active members`);
  }
  const committed = await admin.fetchCommittedOffsets(group);
  const scope = await resetScope(admin, flags, committed);
  const targets: GroupOffset[] = [];
  for (const topic of new Set(scope.map((s) => s.topic))) {
    const partitions = scope.filter((s) => s.topic === topic).map((s) => s.partition);
    targets.push(...await targetOffsets(admin, group, topic, partitions, how, flags, committed));
  }
  if (flags.execute) await admin.commitGroupOffsets(group, targets);
  else if (!flags.dryRun && !flags.json) io().err('No action was performed: add --execute to commit these offsets (--dry-run to silence this).');
  print(flags.json === true, targets.map((t) => ({ group, topic: t.topic, partition: t.partition, newOffset: t.offset })),
    () => table(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], targets.map((t) => [group, t.topic, t.partition, t.offset])));
}

async function targetOffsets(
  admin: Admin, group: string, topic: string, partitions: number[], how: (typeof RESETS)[number], flags: GroupsFlags, committed: GroupOffset[],
): Promise<GroupOffset[]> {
  const earliest = new Map((await admin.listOffsets(topic, 'earliest', partitions)).map((o) => [o.partition, o.offset]));
  const latest = new Map((await admin.listOffsets(topic, 'latest', partitions)).map((o) => [o.partition, o.offset]));
  const clamp = (p: number, o: bigint): bigint => (o < earliest.get(p)! ? earliest.get(p)! : o > latest.get(p)! ? latest.get(p)! : o);
  let byTime: Map<number, bigint> | null = null;
  if (how === 'toDatetime' || how === 'byDuration') {
    const ms = how === 'toDatetime' ? Date.parse(flags.toDatetime!) : Date.now() - parseDurationMs(flags.byDuration!);
    if (Number.isNaN(ms)) throw new CliError(`invalid --to-datetime '${flags.toDatetime}': expected ISO 8601, e.g. 2024-01-31T12:00:00Z`, EXIT_USAGE);
    byTime = new Map((await admin.listOffsets(topic, Math.max(0, ms), partitions)).map((o) => [o.partition, o.offset]));
  }
  return partitions.map((partition) => {
    let offset: bigint;
    if (how === 'toEarliest') offset = earliest.get(partition)!;
    else if (how === 'toLatest') offset = latest.get(partition)!;
    else if (how === 'toOffset') offset = clamp(partition, flags.toOffset!);
    else if (how === 'shiftBy' || how === 'toCurrent') {
      const current = committed.find((c) => c.topic === topic && c.partition === partition);
      // Kafka's --to-current keeps the committed offset, and takes the log end where there is none.
      if (current === undefined && how === 'toCurrent') offset = latest.get(partition)!;
      else if (current === undefined) throw new CliError(`group '${group}' has no committed offset for ${topic}:${partition} to shift`);
      else offset = clamp(partition, how === 'toCurrent' ? current.offset : current.offset + flags.shiftBy!);
    } else {
      const found = byTime!.get(partition)!;
      offset = found < 0n ? latest.get(partition)! : found;
    }
    return { topic, partition, offset };
  });
}
