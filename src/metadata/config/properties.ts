/**
 * Java .properties parsing, as java.util.Properties.load reads server.properties:
 *
 * - lines end at \n, \r or \r\n; a line whose first non-blank character is # or !
 *   is a comment, and so is a blank line;
 * - a line ending in an odd number of backslashes continues on the next line,
 *   whose leading blanks are dropped (a comment line never continues);
 * - the key ends at the first unescaped '=', ':' or blank; blanks around the
 *   separator are skipped, so `k=v`, `k: v` and `k v` are the same;
 * - escapes \t \n \r \f and \uXXXX; a backslash before any other character
 *   keeps that character (so `\=`, `\:`, `\ ` and `\\` work in keys and values);
 * - a repeated key keeps its last value.
 *
 * One deviation: unescaped trailing blanks of a value are dropped (Java keeps
 * them), since a stray space after `PLAINTEXT://:9092` is never meant.
 * Blanks are space, tab and form feed. A malformed \u escape throws.
 */

export class PropertiesSyntaxError extends Error {
  readonly code = 'SAMSA_ERR_PROPERTIES';
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

const BLANK = new Set([' ', '\t', '\f']);
const HEX4 = /^[0-9a-fA-F]{4}$/;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function skipBlanks(s: string, i: number): number {
  while (i < s.length && BLANK.has(s[i]!)) i++;
  return i;
}

function endsInContinuation(line: string): boolean {
  let backslashes = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** Joins continued natural lines into logical lines, each with the number of its first natural line. */
function logicalLines(text: string): { line: number; text: string }[] {
  const natural = (text.startsWith('\uFEFF') ? text.slice(1) : text).split(/\r\n|\r|\n/);
  const out: { line: number; text: string }[] = [];
  for (let i = 0; i < natural.length; i++) {
    const first = natural[i]!;
    const start = skipBlanks(first, 0);
    if (start === first.length || first[start] === '#' || first[start] === '!') continue;
    const lineNo = i + 1;
    let logical = first.slice(start);
    while (endsInContinuation(logical)) {
      logical = logical.slice(0, -1);
      if (i + 1 >= natural.length) break;
      i++;
      const next = natural[i]!;
      logical += next.slice(skipBlanks(next, 0));
    }
    out.push({ line: lineNo, text: logical });
  }
  return out;
}

/** Reads one escape at s[i] === '\\'; returns the character(s) it stands for and the index after it. */
function readEscape(s: string, i: number, line: number): [string, number] {
  const c = s[i + 1];
  if (c === undefined) return ['', i + 1];
  if (c === 'u') {
    const hex = s.slice(i + 2, i + 6);
    if (!HEX4.test(hex)) throw new PropertiesSyntaxError(line, `malformed \\u escape '\\u${hex}'`);
    return [String.fromCharCode(parseInt(hex, 16)), i + 6];
  }
  return [SIMPLE_ESCAPES[c] ?? c, i + 2];
}

function splitKeyValue(s: string, line: number): [string, string] {
  let key = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '=' || c === ':' || BLANK.has(c)) break;
    if (c === '\\') {
      const [ch, next] = readEscape(s, i, line);
      key += ch;
      i = next;
    } else {
      key += c;
      i++;
    }
  }
  i = skipBlanks(s, i);
  if (s[i] === '=' || s[i] === ':') i = skipBlanks(s, i + 1);
  let value = '';
  let keep = 0; // length of value up to its last non-blank or escaped character
  while (i < s.length) {
    if (s[i] === '\\') {
      const [ch, next] = readEscape(s, i, line);
      value += ch;
      keep = value.length;
      i = next;
    } else {
      value += s[i];
      if (!BLANK.has(s[i]!)) keep = value.length;
      i++;
    }
  }
  return [key, value.slice(0, keep)];
}

/** Parses .properties text into key → value, in order of first appearance. Throws PropertiesSyntaxError. */
export function parseProperties(text: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const { line, text: logical } of logicalLines(text)) {
    const [key, value] = splitKeyValue(logical, line);
    // defineProperty, so that a key such as __proto__ becomes an ordinary entry
    Object.defineProperty(props, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return props;
}
