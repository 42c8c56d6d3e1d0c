/**
 * `samsa storage format --add-scram 'SCRAM-SHA-512=[name=broker,password=broker-secret]'`:
 * kafka-storage.sh's argument, parsed with its rules — a mechanism, `=`, and
 * in brackets `name` with either `password` or `saltedpassword` (base64,
 * which needs `salt`, base64), and optionally `salt` and `iterations`
 * (default 4096, within the mechanism's 4096–16384). A value may be quoted.
 * Each becomes the UserScramCredentialRecord the bootstrap file carries.
 */
import { metadataRecord, records as recordCodecs, type MetadataRecord } from '../metadata/index.ts';
import { sasl } from '../protocol/index.ts';
import { CliError, EXIT_USAGE } from './common.ts';

const KNOWN_KEYS: ReadonlySet<string> = new Set(['name', 'password', 'saltedpassword', 'salt', 'iterations']);

function usage(message: string): CliError {
  return new CliError(`--add-scram: ${message}`, EXIT_USAGE);
}

function base64(what: string, text: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw usage(`Failed to decode given ${what}: ${text}`);
  return Buffer.from(text, 'base64');
}

function components(inner: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of inner.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw usage(`No equals sign found in SCRAM component: ${part}`);
    let value = part.slice(eq + 1);
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    out.set(part.slice(0, eq), value);
  }
  return out;
}

export function parseAddScram(argument: string): MetadataRecord {
  const input = argument.trim();
  const eq = input.indexOf('=');
  if (eq < 0) throw usage(`Failed to find equals sign in SCRAM argument '${input}'`);
  const mechanism = sasl.scram.scramMechanism(input.slice(0, eq));
  if (mechanism === null) throw usage(`The add-scram mechanism ${input.slice(0, eq)} is not supported.`);
  const config = input.slice(eq + 1);
  if (!config.startsWith('[')) throw usage('Expected configuration string to start with [');
  if (!config.endsWith(']')) throw usage('Expected configuration string to end with ]');
  const parts = components(config.slice(1, -1));
  const unknown = [...parts.keys()].filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length > 0) throw usage(`Unknown SCRAM configurations: ${unknown.join(', ')}`);
  const name = parts.get('name');
  if (name === undefined) throw usage("You must supply 'name' to add-scram");
  const saltText = parts.get('salt');
  const password = parts.get('password');
  const saltedText = parts.get('saltedpassword');
  if (password === undefined && saltedText === undefined) throw usage("You must supply one of 'password' or 'saltedpassword' to add-scram");
  if (password === undefined && saltText === undefined) throw usage("You must supply 'salt' with 'saltedpassword' to add-scram");
  const iterationsText = parts.get('iterations');
  const iterations = iterationsText === undefined ? sasl.scram.SCRAM_ITERATIONS_DEFAULT : Number(iterationsText);
  if (!Number.isInteger(iterations)) throw usage(`Failed to parse iterations count: ${iterationsText}`);
  if (iterations < sasl.scram.SCRAM_ITERATIONS_MIN) throw usage(`The 'iterations' value must be >= ${sasl.scram.SCRAM_ITERATIONS_MIN} for add-scram using ${mechanism.name}`);
  if (iterations > sasl.scram.SCRAM_ITERATIONS_MAX) throw usage(`The 'iterations' value must be <= ${sasl.scram.SCRAM_ITERATIONS_MAX} for add-scram using ${mechanism.name}`);
  const salt = saltText === undefined ? sasl.scram.randomSalt() : base64('salt', saltText);
  const salted = password !== undefined
    ? sasl.scram.saltedPassword(mechanism, password, salt, iterations)
    : base64('saltedPassword', saltedText!);
  const keys = sasl.scram.scramKeys(mechanism, salted);
  return metadataRecord(recordCodecs.UserScramCredentialRecord, {
    name, mechanism: mechanism.type, salt, storedKey: keys.storedKey, serverKey: keys.serverKey, iterations,
  });
}
