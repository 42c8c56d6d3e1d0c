/** `samsa topics`: kafka-topics.sh's create, list, describe, alter and delete. */
import type { Command } from 'commander';
import type { Admin, ConfigEntry, TopicInfo } from '../client/index.ts';
import { CliError, EXIT_USAGE, print, runCommand, table, withBootstrap } from './common.ts';
import { type AdminFlags, collect, intArg, oneAction, parseConfigs, required, withAdmin } from './admin-options.ts';

const ACTIONS = ['create', 'list', 'describe', 'alter', 'delete'] as const;

interface TopicsFlags extends AdminFlags {
  create?: boolean; list?: boolean; describe?: boolean; alter?: boolean; delete?: boolean;
  topic?: string;
  partitions?: number;
  replicationFactor?: number;
  replicaAssignment?: string;
  config: string[];
  ifNotExists?: boolean;
  ifExists?: boolean;
  excludeInternal?: boolean;
  underReplicatedPartitions?: boolean;
  unavailablePartitions?: boolean;
}

export function register(program: Command): void {
  withBootstrap(program.command('topics').description('create, list, describe, alter and delete topics'))
    .option('--create', 'create a topic')
    .option('--list', 'list topic names')
    .option('--describe', 'show partitions (leader, replicas, ISR) and configs that differ from defaults')
    .option('--alter', 'add partitions (--partitions N) or set configs (--config k=v)')
    .option('--delete', 'delete a topic')
    .option('--topic <name>', 'the topic')
    .option('--partitions <n>', 'partition count (create), or the new total (alter)', intArg)
    .option('--replication-factor <n>', 'replicas per partition (create)', intArg)
    .option('--replica-assignment <list>', 'create: the replicas of each partition, e.g. 1:2,2:3 (partition 0 first)')
    .option('--config <key=value>', 'a topic config (repeatable)', collect, [])
    .option('--if-not-exists', 'create: no error when the topic exists')
    .option('--if-exists', 'alter/delete/describe: no error when the topic does not exist')
    .option('--exclude-internal', 'list/describe: leave out internal topics')
    .option('--under-replicated-partitions', 'describe: only partitions whose ISR is smaller than their replica set')
    .option('--unavailable-partitions', 'describe: only partitions without a leader')
    .action((flags: TopicsFlags) => runCommand(() => withAdmin(flags, (admin) => topics(admin, flags))));
}

async function topics(admin: Admin, flags: TopicsFlags): Promise<void> {
  const action = oneAction(flags as unknown as Record<string, unknown>, ACTIONS, 'topics');
  if (action === 'list') return list(admin, flags);
  if (action === 'describe') return describe(admin, flags);
  const topic = required(flags.topic, '--topic', `topics --${action}`);
  try {
    if (action === 'create') await create(admin, topic, flags);
    else if (action === 'alter') await alter(admin, topic, flags);
    else await admin.deleteTopics([topic]);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (flags.ifNotExists && code === 'TOPIC_ALREADY_EXISTS') return;
    if (flags.ifExists && code === 'UNKNOWN_TOPIC_OR_PARTITION') return;
    throw e;
  }
  if (action === 'delete') print(flags.json === true, { deleted: topic }, () => `Deleted topic ${topic}.`);
}

/** kafka-topics' --replica-assignment: partitions separated by commas, each a colon-separated broker list ("1:2,2:3"). */
export function parseReplicaAssignment(text: string): number[][] {
  const partitions = text.split(',').map((p) => p.trim().split(':').map((b) => b.trim()));
  if (partitions.some((brokers) => brokers.some((b) => !/^\d+$/.test(b)))) {
    throw new CliError(`invalid --replica-assignment '${text}': expected broker ids like 1:2,2:3 (one colon-separated list per partition)`, EXIT_USAGE);
  }
  const assignment = partitions.map((brokers) => brokers.map(Number));
  if (assignment.some((brokers) => new Set(brokers).size !== brokers.length)) throw new CliError(`invalid --replica-assignment '${text}': a broker appears twice in one partition`, EXIT_USAGE);
  if (assignment.some((brokers) => brokers.length !== assignment[0]!.length)) throw new CliError(`invalid --replica-assignment '${text}': every partition needs as many replicas`, EXIT_USAGE);
  return assignment;
}

async function create(admin: Admin, topic: string, flags: TopicsFlags): Promise<void> {
  if (flags.replicaAssignment !== undefined && (flags.partitions !== undefined || flags.replicationFactor !== undefined)) {
    throw new CliError('--replica-assignment cannot be used with --partitions or --replication-factor', EXIT_USAGE);
  }
  const replicaAssignment = flags.replicaAssignment === undefined ? undefined : parseReplicaAssignment(flags.replicaAssignment);
  const [created] = await admin.createTopics([{
    name: topic, partitions: flags.partitions, replicationFactor: flags.replicationFactor, configs: parseConfigs(flags.config, false), replicaAssignment,
  }]);
  print(flags.json === true, created, () => `Created topic ${topic}.`);
}

async function alter(admin: Admin, topic: string, flags: TopicsFlags): Promise<void> {
  if (flags.partitions === undefined && flags.config.length === 0) throw new CliError('topics --alter needs --partitions or --config', EXIT_USAGE);
  if (flags.replicationFactor !== undefined) throw new CliError('topics --alter cannot change the replication factor', EXIT_USAGE);
  await admin.describeTopics([topic]);
  if (flags.partitions !== undefined) await admin.createPartitions(topic, flags.partitions);
  if (flags.config.length > 0) await admin.incrementalAlterConfigs('topic', topic, { set: parseConfigs(flags.config, false) });
  print(flags.json === true, { altered: topic }, () => `Altered topic ${topic}.`);
}

async function list(admin: Admin, flags: TopicsFlags): Promise<void> {
  const names = (await admin.listTopics()).filter((t) => !(flags.excludeInternal && t.isInternal)).map((t) => t.name);
  print(flags.json === true, names, () => names.join('\n'));
}

async function describe(admin: Admin, flags: TopicsFlags): Promise<void> {
  for (const [given, name] of [[flags.partitions, '--partitions'], [flags.replicationFactor, '--replication-factor'], [flags.replicaAssignment, '--replica-assignment']] as const) {
    if (given !== undefined) throw new CliError(`${name} does not apply to topics --describe`, EXIT_USAGE);
  }
  if (flags.config.length > 0) throw new CliError('--config does not apply to topics --describe', EXIT_USAGE);
  let infos: TopicInfo[];
  try {
    infos = flags.topic === undefined ? await admin.listTopics() : await admin.describeTopics([flags.topic]);
  } catch (e) {
    if (flags.ifExists && (e as { code?: string }).code === 'UNKNOWN_TOPIC_OR_PARTITION') return;
    throw e;
  }
  infos = onlyFlaggedPartitions(infos.filter((t) => !(flags.excludeInternal && t.isInternal)), flags);
  const described: { info: TopicInfo; configs: ConfigEntry[] }[] = [];
  for (const info of infos) {
    const configs = (await admin.describeConfigs('topic', info.name)).filter((c) => c.source !== 'DEFAULT_CONFIG');
    described.push({ info, configs });
  }
  print(flags.json === true, described.map(({ info, configs }) => ({
    name: info.name, topicId: info.topicId, isInternal: info.isInternal,
    partitions: info.partitions.map((p) => ({ partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr })),
    configs: Object.fromEntries(configs.map((c) => [c.name, c.sensitive ? null : c.value])),
  })), () => described.map(({ info, configs }) => {
    const configText = configs.map((c) => `${c.name}=${c.sensitive ? '(sensitive)' : c.value}`).join(',');
    const head = `Topic: ${info.name}  TopicId: ${info.topicId}  PartitionCount: ${info.partitions.length}  `
      + `ReplicationFactor: ${info.partitions[0]?.replicas.length ?? 0}  Configs: ${configText}`;
    const rows = info.partitions.map((p) => [info.name, p.partition, p.leader, p.replicas.join(','), p.isr.join(',')]);
    return `${head}\n${table(['TOPIC', 'PARTITION', 'LEADER', 'REPLICAS', 'ISR'], rows)}`;
  }).join('\n\n'));
}

/** kafka-topics' health filters: keep only the partitions asked for, and only topics that have some. */
function onlyFlaggedPartitions(infos: TopicInfo[], flags: TopicsFlags): TopicInfo[] {
  if (!flags.underReplicatedPartitions && !flags.unavailablePartitions) return infos;
  const keep = (p: TopicInfo['partitions'][number]): boolean =>
    (flags.underReplicatedPartitions === true && p.isr.length < p.replicas.length)
    || (flags.unavailablePartitions === true && p.leader < 0);
  return infos.map((t) => ({ ...t, partitions: t.partitions.filter(keep) })).filter((t) => t.partitions.length > 0);
}
