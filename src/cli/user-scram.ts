/**
 * `samsa configs --entity-type users`: users' SCRAM credentials, as
 * kafka-configs.sh handles them with --bootstrap-server:
 *
 *   --alter --entity-name alice --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]'
 *   --alter --entity-name alice --delete-config SCRAM-SHA-256
 *   --describe [--entity-name alice]     (no name: every user with a credential)
 *
 * The iteration count defaults to 4096; fewer than 4096 is refused here, as
 * kafka-configs.sh does, and more than 16384 by the controller. Users' quota
 * configs (consumer_byte_rate, …) are client quotas (client-quotas.ts); configs.ts
 * sends each key to its API. A user with no credential is left out of
 * --describe, as kafka-configs.sh does.
 */
import type { ClientQuotaEntry, ScramMechanismName, UserScramCredentialAlteration } from '../client/index.ts';
import { quotaLine } from './client-quotas.ts';
import { CliError, EXIT_USAGE, clusterFrom, print } from './common.ts';
import { parseConfigs } from './admin-options.ts';
import type { ConfigsFlags } from './configs.ts';

const SCRAM_MECHANISMS: readonly ScramMechanismName[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];
const ITERATIONS_MIN = 4096;
const ITERATIONS_DEFAULT = 4096;
const CREDENTIAL_PATTERN = /^(?:iterations=(-?[0-9]*),)?password=(.*)$/s;

export function isScramMechanism(name: string): name is ScramMechanismName {
  return (SCRAM_MECHANISMS as readonly string[]).includes(name);
}
const isScram = isScramMechanism;

/**
 * `quiet`: another change follows and reports (quota configs of the same user);
 * `quotas`: on --describe, the user's quota configs, listed before its credentials.
 */
export async function userScramConfigs(flags: ConfigsFlags, quiet = false, quotas: readonly ClientQuotaEntry[] = []): Promise<void> {
  if (flags.describe === true && flags.alter === true) throw new CliError('configs: exactly one of --describe, --alter is required', EXIT_USAGE);
  if (flags.describe !== true && flags.alter !== true) throw new CliError('configs: exactly one of --describe, --alter is required', EXIT_USAGE);
  if (flags.entityDefault === true) {
    throw new CliError('The use of --entity-default is not allowed with User SCRAM Credentials', EXIT_USAGE);
  }
  const alterations = flags.alter === true ? alterationsOf(flags) : null;
  const { ScramAdmin } = await import('../client/index.ts');
  const cluster = await clusterFrom(flags);
  try {
    const admin = new ScramAdmin(cluster);
    if (alterations !== null) {
      const results = await admin.alterUserScramCredentials(alterations);
      const failed = results.find((r) => r.errorCode !== 0);
      if (failed !== undefined) {
        throw new CliError(`user '${failed.user}' failed: ${failed.errorMessage ?? failed.error} (${failed.error})`);
      }
      if (!quiet) print(flags.json === true, { altered: { type: 'user', name: flags.entityName, results } }, () => `Completed updating config for user ${flags.entityName}.`);
      return;
    }
    const users = flags.entityName === undefined ? null : [flags.entityName];
    const found = (await admin.describeUserScramCredentials(users)).filter((d) => d.error !== 'RESOURCE_NOT_FOUND');
    print(flags.json === true, [...quotas, ...found], () => [...quotas.map(quotaLine), ...found.map((d) => d.errorCode === 0
      ? `SCRAM credential configs for user-principal '${d.user}' are ${d.credentials.map((c) => `${c.mechanism}=iterations=${c.iterations}`).join(', ')}`
      : `Error retrieving SCRAM credential configs for user-principal '${d.user}': ${d.error}: ${d.errorMessage ?? ''}`)].join('\n'));
  } finally {
    await cluster.close();
  }
}

/** The deletions and upsertions of --alter, checked as kafka-configs.sh checks them before anything is sent. */
function alterationsOf(flags: ConfigsFlags): UserScramCredentialAlteration[] {
  const user = flags.entityName;
  if (user === undefined) throw new CliError('configs requires --entity-name', EXIT_USAGE);
  const set = parseConfigs(flags.addConfig, true);
  const remove = flags.deleteConfig.flatMap((d) => d.split(',')).map((k) => k.trim()).filter((k) => k !== '');
  if (Object.keys(set).length === 0 && remove.length === 0) throw new CliError('configs --alter needs --add-config or --delete-config', EXIT_USAGE);
  const unknownAdded = Object.keys(set).filter((k) => !isScram(k));
  if (unknownAdded.length > 0) {
    throw new CliError(`Only SCRAM credential configs can be added for 'users' (quota configs go to AlterClientQuotas). Unexpected config names: ${unknownAdded.join(', ')}`, EXIT_USAGE);
  }
  const unknownDeleted = remove.filter((k) => !isScram(k));
  if (unknownDeleted.length > 0) {
    throw new CliError(`Only SCRAM credential configs can be deleted for 'users' (quota configs go to AlterClientQuotas). Unexpected config names: ${unknownDeleted.join(', ')}`, EXIT_USAGE);
  }
  const out: UserScramCredentialAlteration[] = remove.map((mechanism) => ({ kind: 'delete', user, mechanism: mechanism as ScramMechanismName }));
  for (const [mechanism, value] of Object.entries(set)) {
    const m = CREDENTIAL_PATTERN.exec(value);
    // The value holds the password: the message does not repeat it.
    const invalid = new CliError(`Invalid credential property ${mechanism}: expected ${mechanism}=[iterations=N,password=P] or ${mechanism}=[password=P]`, EXIT_USAGE);
    if (m === null || m[1] === '') throw invalid;
    const iterations = m[1] === undefined || m[1] === '-1' ? ITERATIONS_DEFAULT : Number(m[1]);
    if (!Number.isSafeInteger(iterations)) throw invalid;
    if (iterations < ITERATIONS_MIN) {
      throw new CliError(`Iterations ${iterations} is less than the minimum ${ITERATIONS_MIN} required for ${mechanism}`, EXIT_USAGE);
    }
    out.push({ kind: 'upsert', user, mechanism: mechanism as ScramMechanismName, iterations, password: m[2]! });
  }
  return out;
}
