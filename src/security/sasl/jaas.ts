/**
 * JAAS configuration text as Kafka reads `sasl.jaas.config` and
 * `listener.name.<listener>.<mechanism>.sasl.jaas.config`:
 *
 *   <login module class> <control flag> [<key>=<value>]* ;
 *
 * Tokens are words (letters, digits, '.', '_', '-', '$'), quoted strings
 * ("…" or '…', with backslash escapes), '=' and ';'; // and /* *\/ comments
 * are skipped. Control flags are required, requisite, sufficient and
 * optional, in any case. A value must be a word or a quoted string (a bare
 * number is refused, as Java's tokenizer reads it as a number). A property
 * holds exactly one entry. Pure: the broker's login modules are not Java
 * classes, so the module name only selects which entries apply.
 */

export const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
export const SCRAM_LOGIN_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';

export type JaasControlFlag = 'required' | 'requisite' | 'sufficient' | 'optional';

export interface JaasEntry {
  loginModule: string;
  controlFlag: JaasControlFlag;
  options: Map<string, string>;
}

export class JaasConfigError extends Error {
  readonly code = 'SAMSA_ERR_JAAS_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'JaasConfigError';
  }
}

const CONTROL_FLAGS: ReadonlySet<string> = new Set(['required', 'requisite', 'sufficient', 'optional']);
const JAAS_TEXT_CHARS_MAX = 1024 * 1024;

type Token = { kind: 'word' | 'string' | 'number'; text: string } | { kind: '=' | ';' } | { kind: 'end' };

/** One `sasl.jaas.config` value: exactly one login module entry. */
export function parseJaasConfig(text: string): JaasEntry {
  const entries = parseJaasEntries(text);
  if (entries.length !== 1) throw new JaasConfigError(`JAAS config property contains ${entries.length} login modules, should be 1 module`);
  return entries[0]!;
}

/** Every entry of a JAAS configuration text, in order. */
export function parseJaasEntries(text: string): JaasEntry[] {
  if (text.length > JAAS_TEXT_CHARS_MAX) throw new JaasConfigError(`JAAS config is longer than ${JAAS_TEXT_CHARS_MAX} characters`);
  const tokens = new Tokenizer(text);
  const entries: JaasEntry[] = [];
  for (let t = tokens.next(); t.kind !== 'end'; t = tokens.next()) entries.push(parseEntry(t, tokens));
  if (entries.length === 0) throw new JaasConfigError('Login module not specified in JAAS config');
  return entries;
}

function parseEntry(first: Token, tokens: Tokenizer): JaasEntry {
  if (first.kind !== 'word' && first.kind !== 'string') throw new JaasConfigError(`Login module name expected in JAAS config, found '${describe(first)}'`);
  const loginModule = first.text;
  const flagToken = tokens.next();
  if (flagToken.kind === 'end') throw new JaasConfigError('Login module control flag not specified in JAAS config');
  const flag = flagToken.kind === 'word' || flagToken.kind === 'string' ? flagToken.text.toLowerCase() : describe(flagToken);
  if (!CONTROL_FLAGS.has(flag)) throw new JaasConfigError(`Invalid login module control flag '${flag}' in JAAS config`);
  const options = new Map<string, string>();
  for (let t = tokens.next(); ; t = tokens.next()) {
    if (t.kind === ';') return { loginModule, controlFlag: flag as JaasControlFlag, options };
    if (t.kind === 'end') throw new JaasConfigError('JAAS config entry not terminated by semi-colon');
    if (t.kind !== 'word' && t.kind !== 'string') throw new JaasConfigError(`Option name expected in JAAS config, found '${describe(t)}'`);
    const eq = tokens.next();
    const value = eq.kind === '=' ? tokens.next() : null;
    if (value === null || (value.kind !== 'word' && value.kind !== 'string')) {
      throw new JaasConfigError(`Value not specified for key '${t.text}' in JAAS config`);
    }
    options.set(t.text, value.text);
  }
}

function describe(t: Token): string {
  return t.kind === 'word' || t.kind === 'string' || t.kind === 'number' ? t.text : t.kind === 'end' ? 'end of text' : t.kind;
}

const WORD_START = /[A-Za-z_$\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$.\-\u0080-\uffff]/;
const NUMBER_START = /[0-9.\-]/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', a: '\x07', v: '\v' };

class Tokenizer {
  private readonly text: string;
  private at = 0;

  constructor(text: string) {
    this.text = text;
  }

  next(): Token {
    this.skipSpaceAndComments();
    if (this.at >= this.text.length) return { kind: 'end' };
    const c = this.text[this.at]!;
    if (c === '=' || c === ';') {
      this.at++;
      return { kind: c };
    }
    if (c === '"' || c === '\'') return this.quoted(c);
    if (WORD_START.test(c)) return { kind: 'word', text: this.run(WORD_PART) };
    if (NUMBER_START.test(c)) return { kind: 'number', text: this.run(/[0-9.\-]/) };
    throw new JaasConfigError(`Unexpected character '${c}' at position ${this.at} in JAAS config`);
  }

  private run(part: RegExp): string {
    const start = this.at;
    while (this.at < this.text.length && part.test(this.text[this.at]!)) this.at++;
    return this.text.slice(start, this.at);
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      while (this.at < this.text.length && this.text.charCodeAt(this.at) <= 0x20) this.at++;
      if (this.text.startsWith('//', this.at)) {
        const eol = this.text.indexOf('\n', this.at);
        this.at = eol === -1 ? this.text.length : eol + 1;
      } else if (this.text.startsWith('/*', this.at)) {
        const close = this.text.indexOf('*/', this.at + 2);
        if (close === -1) throw new JaasConfigError('Unterminated comment in JAAS config');
        this.at = close + 2;
      } else {
        return;
      }
    }
  }

  /** A quoted string; it ends at the matching quote (a line end inside is refused). */
  private quoted(quote: string): Token {
    let out = '';
    for (this.at++; this.at < this.text.length; this.at++) {
      const c = this.text[this.at]!;
      if (c === quote) {
        this.at++;
        return { kind: 'string', text: out };
      }
      if (c === '\n' || c === '\r') break;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[++this.at];
      if (e === undefined) break;
      out += ESCAPES[e] ?? e;
    }
    throw new JaasConfigError('Unterminated quoted string in JAAS config');
  }
}

/** The config key a broker reads a listener's JAAS entry for one mechanism from, as Kafka names it. */
export function listenerJaasConfigKey(listener: string, mechanism: string): string {
  return `listener.name.${listener.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`;
}

/**
 * The JAAS entry a broker uses for a listener and mechanism: the
 * listener-prefixed property only. A broker ignores a bare
 * `sasl.jaas.config` (Kafka warns that it should be prefixed); null when none is set.
 */
export function serverJaasEntry(config: ReadonlyMap<string, string> | Record<string, string>, listener: string, mechanism: string): JaasEntry | null {
  const key = listenerJaasConfigKey(listener, mechanism);
  const text = config instanceof Map ? config.get(key) : (config as Record<string, string>)[key];
  return text === undefined ? null : parseJaasConfig(text);
}

/** PLAIN's users: the `user_<name>` options of a PlainLoginModule entry. */
export function plainUsers(entry: JaasEntry | null): Map<string, string> {
  const users = new Map<string, string>();
  if (entry === null || entry.loginModule !== PLAIN_LOGIN_MODULE) return users;
  for (const [key, value] of entry.options) if (key.startsWith('user_')) users.set(key.slice('user_'.length), value);
  return users;
}

/** The `username` and `password` a login module gives the broker's own client side (inter-broker), or null without both. */
export function clientLogin(entry: JaasEntry | null): { username: string; password: string } | null {
  const username = entry?.options.get('username');
  const password = entry?.options.get('password');
  return username === undefined || password === undefined ? null : { username, password };
}
