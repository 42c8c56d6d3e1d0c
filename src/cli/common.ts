/**
 * What every client command shares: the --bootstrap-server option, one-line
 * errors with a non-zero exit instead of stack traces, and output as aligned
 * tables for people or JSON for scripts.
 */
import type { Command } from 'commander';
import { ClientError, Cluster } from '../client/index.ts';

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

export function withBootstrap(cmd: Command): Command {
  return cmd
    .option('--bootstrap-server <host:port>', 'broker to connect to (comma-separated list allowed)', DEFAULT_BOOTSTRAP)
    .option('--json', 'print JSON instead of tables');
}

export function clusterFrom(opts: { bootstrapServer: string }): Cluster {
  return new Cluster({ bootstrapServers: opts.bootstrapServer.split(',').map((s) => s.trim()), clientId: 'samsa-cli', requestTimeoutMs: 15_000 });
}

/** Runs a command body; a known failure becomes one line on stderr and an exit code. */
export async function runCommand(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (e instanceof CliError) {
      console.error(`samsa: ${e.message}`);
      process.exitCode = e.exitCode;
    } else if (e instanceof ClientError) {
      console.error(`samsa: ${e.message}`);
      process.exitCode = EXIT_ERROR;
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
  if (json) console.log(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
  else console.log(human());
}
