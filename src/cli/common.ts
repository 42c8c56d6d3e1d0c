/**
 * What every client command shares: the --bootstrap-server option, one-line
 * errors with a non-zero exit instead of stack traces, and output as aligned
 * tables for people or JSON for scripts.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
// Only types from the client here: `samsa --help` must not load the client and its codecs.
import type { Cluster } from '../client/index.ts';
import { parseProperties } from '../metadata/config/properties.ts';
import { io } from './io.ts';

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  readonly code = 'SAMSA_ERR_CLI';
  readonly exitCode: number;
  constructor(message: string, exitCode = EXIT_ERROR) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Commander's accumulator for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return previous.concat([value]);
}

/** A whole-number option of at least `min`; otherwise a usage error naming it. */
export function wholeNumber(text: string, what: string, min = 0): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min) throw new CliError(`invalid ${what} '${text}'`, EXIT_USAGE);
  return n;
}

/** Calls `stop` on Ctrl-C or SIGTERM, so a command finishes its work and prints its summary; returns the release. */
export function onStopSignal(stop: () => void): () => void {
  return io().onStop(stop);
}

/** How long one request may take before the command gives up (Kafka's tools: request.timeout.ms). */
const REQUEST_TIMEOUT_MS_DEFAULT = 15_000;
/** The client properties a --command-config file may set; security settings come with TLS/SASL support. */
const COMMAND_CONFIG_KEYS = new Set(['request.timeout.ms', 'client.id']);

export function withBootstrap(cmd: Command): Command {
  return cmd
    .option('--bootstrap-server <host:port>', 'broker to connect to (comma-separated list allowed)', DEFAULT_BOOTSTRAP)
    .option('--command-config <file>', 'client properties file (request.timeout.ms, client.id)')
    .option('--json', 'print JSON instead of tables');
}

export interface ConnectFlags {
  bootstrapServer: string;
  commandConfig?: string;
}

/** The client properties of --command-config; unknown or unsupported keys are a usage error, as a typo must not pass silently. */
export function commandConfigOf(flags: ConnectFlags): Record<string, string> {
  if (flags.commandConfig === undefined) return {};
  let props: Record<string, string>;
  try {
    props = parseProperties(readFileSync(flags.commandConfig, 'utf8'));
  } catch (e) {
    throw new CliError(`--command-config ${flags.commandConfig}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT_USAGE);
  }
  for (const key of Object.keys(props)) {
    if (!COMMAND_CONFIG_KEYS.has(key)) {
      throw new CliError(`--command-config ${flags.commandConfig}: '${key}' is not supported (known: ${[...COMMAND_CONFIG_KEYS].join(', ')})`, EXIT_USAGE);
    }
  }
  const timeout = props['request.timeout.ms'];
  if (timeout !== undefined && !(Number.isInteger(Number(timeout)) && Number(timeout) > 0)) {
    throw new CliError(`--command-config ${flags.commandConfig}: request.timeout.ms must be a positive integer, got '${timeout}'`, EXIT_USAGE);
  }
  return props;
}

export async function clusterFrom(flags: ConnectFlags, clientId?: string): Promise<Cluster> {
  const props = commandConfigOf(flags);
  const { Cluster, parseHostPort } = await import('../client/index.ts');
  const servers = flags.bootstrapServer.split(',').map((s) => s.trim());
  for (const server of servers) {
    try {
      parseHostPort(server);
    } catch (e) {
      throw new CliError(`--bootstrap-server: ${(e as Error).message}`, EXIT_USAGE);
    }
  }
  return new Cluster({
    bootstrapServers: servers,
    clientId: clientId ?? props['client.id'] ?? 'samsa-cli',
    requestTimeoutMs: props['request.timeout.ms'] === undefined ? REQUEST_TIMEOUT_MS_DEFAULT : Number(props['request.timeout.ms']),
  });
}

/** The client's ClientError, recognised without loading the client. */
export function isClientError(e: unknown): e is Error & { code: string } {
  return e instanceof Error && e.name === 'ClientError';
}

/** Runs a command body; a known failure becomes one line on stderr and an exit code. */
export async function runCommand(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (e instanceof CliError) {
      io().err(`samsa: ${e.message}`);
      io().exitCode = e.exitCode;
    } else if (isClientError(e)) {
      io().err(`samsa: ${e.message}`);
      io().exitCode = EXIT_ERROR;
    } else {
      throw e;
    }
  }
}

/** Aligned columns, header first; cells are converted with String(). */
export function table(headers: string[], rows: unknown[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

export function print(json: boolean, value: unknown, human: () => string): void {
  if (json) io().out(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
  else io().out(human());
}
