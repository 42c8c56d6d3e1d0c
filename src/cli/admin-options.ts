/** What the admin commands (topics, configs, offsets, delete-records, groups) share: option parsing and an Admin for the run. */
import { InvalidArgumentError } from 'commander';
import type { Admin } from '../client/index.ts';
import { CliError, EXIT_USAGE, clusterFrom, type ConnectFlags } from './common.ts';

export { collect } from './common.ts';

export interface AdminFlags extends ConnectFlags {
  json?: boolean;
}

/** Runs `body` with an Admin on a fresh cluster view, closing its connections afterwards. */
export async function withAdmin(flags: AdminFlags, body: (admin: Admin) => Promise<void>): Promise<void> {
  const { Admin } = await import('../client/index.ts');
  const cluster = await clusterFrom(flags);
  try {
    await body(new Admin(cluster));
  } finally {
    await cluster.close();
  }
}

/** The one option given among `names` (a flag, or an option with a value); a usage error when none or several are. */
export function oneAction<T extends string>(flags: Record<string, unknown>, names: readonly T[], command: string): T {
  const set = names.filter((n) => flags[n] !== undefined && flags[n] !== false);
  if (set.length !== 1) {
    const list = names.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
    throw new CliError(`${command}: exactly one of ${list} is required`, EXIT_USAGE);
  }
  return set[0]!;
}

export function required<T>(value: T | undefined, option: string, context: string): T {
  if (value === undefined) throw new CliError(`${context} requires ${option}`, EXIT_USAGE);
  return value;
}

/** Commander argument parser for an integer option. */
export function intArg(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`'${value}' is not an integer`);
  return Number(value);
}

/** Commander argument parser for an int64 option (offsets). */
export function bigintArg(value: string): bigint {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`'${value}' is not an integer`);
  return BigInt(value);
}

/**
 * `k=v` entries into a record. With `commas`, each entry may hold several
 * (`k=v,k2=v2`); a value in brackets keeps its commas (`k=[a,b]` → `a,b`), as kafka-configs reads it.
 */
export function parseConfigs(entries: string[], commas: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const parts = commas ? entry.match(/[^,=]+=(\[[^\]]*\]|[^,]*)/g) ?? [] : [entry];
    if (parts.length === 0 || (commas && parts.join(',') !== entry)) throw new CliError(`invalid config '${entry}': expected key=value`, EXIT_USAGE);
    for (const part of parts) {
      const at = part.indexOf('=');
      if (at <= 0) throw new CliError(`invalid config '${part}': expected key=value`, EXIT_USAGE);
      out[part.slice(0, at).trim()] = part.slice(at + 1).replace(/^\[(.*)\]$/, '$1');
    }
  }
  return out;
}
