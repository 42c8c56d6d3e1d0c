/**
 * What every client command shares: the --bootstrap-server option, one-line
 * errors with a non-zero exit instead of stack traces, and output as aligned
 * tables for people or JSON for scripts.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
// Only types from the client here: `samsa --help` must not load the client and its codecs.
import type { ClientOptions, ClientTlsOptions, Cluster, SaslClientOptions } from '../client/index.ts';
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
/** The client properties a --command-config file may set, by Kafka's names. */
const COMMAND_CONFIG_KEYS = new Set([
  'request.timeout.ms', 'client.id', 'security.protocol',
  'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.certificates',
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.key', 'ssl.keystore.certificate.chain', 'ssl.key.password',
  'ssl.endpoint.identification.algorithm', 'sasl.mechanism', 'sasl.jaas.config',
  // OAUTHBEARER logins (sasl-options.ts): a token file or an identity provider's token endpoint.
  'sasl.login.callback.handler.class', 'sasl.oauthbearer.token.endpoint.url', 'sasl.oauthbearer.header.urlencode',
  'sasl.login.connect.timeout.ms', 'sasl.login.read.timeout.ms',
]);
const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

export function withBootstrap(cmd: Command): Command {
  return cmd
    .option('--bootstrap-server <host:port>', 'broker to connect to (comma-separated list allowed)', DEFAULT_BOOTSTRAP)
    .option('--command-config <file>', 'client properties file (request.timeout.ms, client.id, security.protocol, ssl.*, sasl.*)')
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
    ...await securityOf(props, flags.commandConfig ?? ''),
  });
}

/**
 * TLS and SASL from Kafka's client properties: security.protocol, PEM trust
 * and key stores (files or inline), and SASL (PLAIN, SCRAM, OAUTHBEARER:
 * sasl-options.ts) from sasl.mechanism and sasl.jaas.config, as Kafka's
 * tools read them; `tokenauth="true"` there logs in with a delegation
 * token (SCRAM only).
 */
async function securityOf(props: Record<string, string>, file: string): Promise<Pick<ClientOptions, 'ssl' | 'sasl'>> {
  const protocol = (props['security.protocol'] ?? 'PLAINTEXT').trim().toUpperCase();
  if (!SECURITY_PROTOCOLS.includes(protocol)) {
    throw new CliError(`--command-config ${file}: security.protocol must be one of ${SECURITY_PROTOCOLS.join(', ')}, got '${props['security.protocol']}'`, EXIT_USAGE);
  }
  const { keyMaterialOf, trustedCertificatesOf, readConfiguredFile } = await import('../security/pem.ts');
  const fail = (e: unknown): never => {
    throw new CliError(`--command-config ${file}: ${(e as Error).message}`, EXIT_USAGE);
  };
  let ssl: ClientTlsOptions | null = null;
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    for (const typeKey of ['ssl.truststore.type', 'ssl.keystore.type']) {
      if (props[typeKey] !== undefined && props[typeKey].trim().toUpperCase() !== 'PEM') fail(new Error(`${typeKey} must be PEM (Samsa reads PEM stores only)`));
    }
    ssl = {};
    try {
      const trustFile = props['ssl.truststore.location'];
      const trustText = trustFile !== undefined ? readConfiguredFile('ssl.truststore.location', trustFile) : props['ssl.truststore.certificates'];
      if (trustText !== undefined) ssl.ca = trustedCertificatesOf('ssl.truststore', trustText);
      const keyFile = props['ssl.keystore.location'];
      const keyText = keyFile !== undefined ? readConfiguredFile('ssl.keystore.location', keyFile) : props['ssl.keystore.key'];
      if (keyText !== undefined) {
        const keys = keyMaterialOf('ssl.keystore', keyText, keyFile !== undefined ? keyText : props['ssl.keystore.certificate.chain'] ?? '');
        ssl.key = keys.key;
        ssl.cert = keys.certChain;
      }
    } catch (e) {
      fail(e);
    }
    if (props['ssl.key.password'] !== undefined) ssl.passphrase = props['ssl.key.password'];
    if (props['ssl.endpoint.identification.algorithm']?.trim() === '') ssl.checkServerIdentity = () => undefined;
  }
  let sasl: SaslClientOptions | null = null;
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const { saslOptionsOf } = await import('./sasl-options.ts');
    try {
      sasl = saslOptionsOf(props);
    } catch (e) {
      fail(e);
    }
  }
  return { ssl, sasl };
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
