/**
 * `samsa delegation-tokens`: create, renew, expire and describe delegation
 * tokens, with the jobs, flags and output of kafka-delegation-tokens.sh:
 *
 *   --create --max-life-time-period <ms> [--renewer-principal User:bob]... [--owner-principal User:carol]
 *   --renew --hmac <base64> --renew-time-period <ms>
 *   --expire --hmac <base64> --expiry-time-period <ms>
 *   --describe [--owner-principal User:alice]...
 *
 * -1 asks for the broker's default (delegation.token.max.lifetime.ms,
 * delegation.token.expiry.time.ms) or, for --expiry-time-period, expires the
 * token at once. Tokens are handed out only over an authenticated
 * connection, so --command-config names the SASL (or mutual TLS) settings.
 */
import type { Command } from 'commander';
import type { DelegationToken, DelegationTokenAdmin } from '../client/index.ts';
import { bigintArg, collect, oneAction } from './admin-options.ts';
import { CliError, EXIT_USAGE, clusterFrom, print, runCommand, withBootstrap, type ConnectFlags } from './common.ts';
import { io } from './io.ts';

interface DelegationTokensFlags extends ConnectFlags {
  json?: boolean;
  create?: boolean;
  renew?: boolean;
  expire?: boolean;
  describe?: boolean;
  ownerPrincipal: string[];
  renewerPrincipal: string[];
  maxLifeTimePeriod?: bigint;
  renewTimePeriod?: bigint;
  expiryTimePeriod?: bigint;
  hmac?: string;
}

type Action = 'create' | 'renew' | 'expire' | 'describe';

/** What each job must not be given, as kafka-delegation-tokens.sh checks it. */
const INVALID_WITH: Record<Action, readonly (keyof DelegationTokensFlags)[]> = {
  create: ['hmac', 'renewTimePeriod', 'expiryTimePeriod'],
  renew: ['renewerPrincipal', 'maxLifeTimePeriod', 'expiryTimePeriod', 'ownerPrincipal'],
  expire: ['renewerPrincipal', 'maxLifeTimePeriod', 'renewTimePeriod', 'ownerPrincipal'],
  describe: ['renewerPrincipal', 'maxLifeTimePeriod', 'hmac', 'renewTimePeriod', 'expiryTimePeriod'],
};

const REQUIRED: Record<Action, readonly (keyof DelegationTokensFlags)[]> = {
  create: ['maxLifeTimePeriod'],
  renew: ['hmac', 'renewTimePeriod'],
  expire: ['hmac', 'expiryTimePeriod'],
  describe: [],
};

export function register(program: Command): void {
  withBootstrap(program.command('delegation-tokens').description('create, renew, expire and describe delegation tokens (kafka-delegation-tokens)'))
    .option('--create', 'create a token (--max-life-time-period, --renewer-principal, --owner-principal)')
    .option('--renew', 'renew a token (--hmac, --renew-time-period)')
    .option('--expire', 'expire a token (--hmac, --expiry-time-period)')
    .option('--describe', 'describe the tokens you own or renew or may describe (--owner-principal to narrow)')
    .option('--owner-principal <principal>', 'Type:name; with --create the token\'s owner, with --describe an owner or renewer (repeatable)', collect, [])
    .option('--renewer-principal <principal>', 'Type:name of a principal that may renew the token (repeatable)', collect, [])
    .option('--max-life-time-period <ms>', 'longest the token may live; -1: delegation.token.max.lifetime.ms', bigintArg)
    .option('--renew-time-period <ms>', 'how long the renewal lasts; -1: delegation.token.expiry.time.ms', bigintArg)
    .option('--expiry-time-period <ms>', 'time left before the token expires; -1: expire at once', bigintArg)
    .option('--hmac <base64>', 'the token\'s HMAC, as --create printed it')
    .exitOverride()
    .action((flags: DelegationTokensFlags) => runCommand(() => delegationTokens(flags)));
}

function optionName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function given(flags: DelegationTokensFlags, key: keyof DelegationTokensFlags): boolean {
  const v = flags[key];
  return Array.isArray(v) ? v.length > 0 : v !== undefined;
}

function checkArgs(flags: DelegationTokensFlags, action: Action): void {
  for (const key of REQUIRED[action]) {
    if (!given(flags, key)) throw new CliError(`--${action} requires ${optionName(key)}`, EXIT_USAGE);
  }
  for (const key of INVALID_WITH[action]) {
    if (given(flags, key)) throw new CliError(`Option "--${action}" can't be used with option "${optionName(key)}"`, EXIT_USAGE);
  }
  for (const p of [...flags.ownerPrincipal, ...flags.renewerPrincipal]) {
    if (p.trim().indexOf(':') <= 0) throw new CliError(`'${p}' is not a principal: expected principalType:name, e.g. User:alice`, EXIT_USAGE);
  }
  if (flags.hmac !== undefined && !/^[A-Za-z0-9+/]+={0,2}$/.test(flags.hmac)) throw new CliError(`--hmac '${flags.hmac}' is not base64`, EXIT_USAGE);
}

async function delegationTokens(flags: DelegationTokensFlags): Promise<void> {
  const action = oneAction(flags as unknown as Record<string, unknown>, ['create', 'renew', 'expire', 'describe'] as const, 'delegation-tokens');
  checkArgs(flags, action);
  const { DelegationTokenAdmin } = await import('../client/index.ts');
  const cluster = await clusterFrom(flags);
  try {
    const admin = new DelegationTokenAdmin(cluster);
    if (action === 'create') await create(admin, flags);
    else if (action === 'renew') await renew(admin, flags);
    else if (action === 'expire') await expire(admin, flags);
    else await describe(admin, flags);
  } finally {
    await cluster.close();
  }
}

async function create(admin: DelegationTokenAdmin, flags: DelegationTokensFlags): Promise<void> {
  const renewers = flags.renewerPrincipal.map((p) => p.trim());
  const maxLifetimeMs = Number(flags.maxLifeTimePeriod!);
  if (flags.json !== true) io().out(`Calling create token operation with renewers :[${renewers.join(', ')}] , max-life-time-period :${maxLifetimeMs}`);
  const owner = flags.ownerPrincipal[0]?.trim();
  const token = await admin.createDelegationToken({ renewers, maxLifetimeMs, ...(owner === undefined ? {} : { owner }) });
  print(flags.json === true, tokenJson(token), () => `Created delegation token with tokenId : ${token.tokenId}\n${tokenTable([token])}`);
}

async function renew(admin: DelegationTokenAdmin, flags: DelegationTokensFlags): Promise<void> {
  const periodMs = Number(flags.renewTimePeriod!);
  if (flags.json !== true) io().out(`Calling renew token operation with hmac :${flags.hmac} , renew-time-period :${periodMs}`);
  const expiry = await admin.renewDelegationToken(Buffer.from(flags.hmac!, 'base64'), periodMs);
  print(flags.json === true, { expiryTimestampMs: expiry }, () => `Completed renew operation. New expiry date : ${dateText(expiry)}`);
}

async function expire(admin: DelegationTokenAdmin, flags: DelegationTokensFlags): Promise<void> {
  const periodMs = Number(flags.expiryTimePeriod!);
  if (flags.json !== true) io().out(`Calling expire token operation with hmac :${flags.hmac} , expire-time-period :${periodMs}`);
  const expiry = await admin.expireDelegationToken(Buffer.from(flags.hmac!, 'base64'), periodMs);
  print(flags.json === true, { expiryTimestampMs: expiry }, () => `Completed expire operation. New expiry date : ${dateText(expiry)}`);
}

async function describe(admin: DelegationTokenAdmin, flags: DelegationTokensFlags): Promise<void> {
  const owners = flags.ownerPrincipal.map((p) => p.trim());
  if (flags.json !== true) {
    io().out(owners.length === 0 ? 'Calling describe token operation for current user.' : `Calling describe token operation for owners: [${owners.join(', ')}]`);
  }
  // No --owner-principal: every token the caller may see (an empty owner list would ask for none).
  const tokens = await admin.describeDelegationToken(owners.length === 0 ? null : owners);
  print(flags.json === true, tokens.map(tokenJson), () => `Total number of tokens : ${tokens.length}\n${tokenTable(tokens)}`);
}

function tokenJson(t: DelegationToken): Record<string, unknown> {
  return { ...t, hmac: t.hmac.toString('base64') };
}

/** Kafka's yyyy-MM-dd'T'HH:mm, in local time. */
function dateText(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

const COLUMN_WIDTHS = [15, 30, 15, 15, 25, 15, 15, 15];

/** kafka-delegation-tokens.sh's table: a blank line before the header and before each token's row. */
function tokenTable(tokens: readonly DelegationToken[]): string {
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(COLUMN_WIDTHS[i]!)).join(' ');
  const lines = ['', row(['TOKENID', 'HMAC', 'OWNER', 'REQUESTER', 'RENEWERS', 'ISSUEDATE', 'EXPIRYDATE', 'MAXDATE'])];
  for (const t of tokens) {
    lines.push('', row([
      t.tokenId, t.hmac.toString('base64'), t.owner, t.requester, `[${t.renewers.join(', ')}]`,
      dateText(t.issueTimestampMs), dateText(t.expiryTimestampMs), dateText(t.maxTimestampMs),
    ]));
  }
  return lines.join('\n');
}
