/**
 * `subscribedTopicRegex` of ConsumerGroupHeartbeat. KIP-848 specifies RE2
 * syntax, whose point is matching in linear time; JavaScript's RegExp
 * backtracks (a pattern like `(a+)+b` takes exponential time), so patterns
 * are not handed to it. Instead this compiles the RE2 subset below to a
 * Thompson NFA and matches by simulating every state at once: time is
 * O(pattern × topic name), whatever the pattern.
 *
 * Supported: literals; `.`; escapes `\.` `\\` `\d` `\D` `\w` `\W` `\s` `\S`
 * and any escaped punctuation; classes `[abc]`, `[^a-z0-9._-]` (with those
 * escapes inside); groups `(…)`, `(?:…)`; alternation `|`; quantifiers
 * `*` `+` `?` `{n}` `{n,}` `{n,m}` (lazy forms accepted: for a whole-name
 * match they mean the same); `^` at the start and `$` at the end. The whole
 * topic name must match, as Kafka's RE2J `matches()` does.
 *
 * Refused with a reason (INVALID_REGULAR_EXPRESSION): anything else —
 * backreferences, lookaround, named groups, flags, Unicode classes,
 * anchors in the middle — and patterns over 1,000 characters or whose
 * counted repetitions would exceed 10,000 NFA states.
 */

const PATTERN_LENGTH_MAX = 1000;
const STATES_MAX = 10_000;

type CharTest = (c: string) => boolean;

type Node =
  | { kind: 'char'; test: CharTest }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'repeat'; node: Node; min: number; max: number | null }
  | { kind: 'empty' };

export class TopicRegexError extends Error {}

const isDigit: CharTest = (c) => c >= '0' && c <= '9';
const isWord: CharTest = (c) => isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isSpace: CharTest = (c) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';

class Parser {
  private pos = 0;
  private readonly src: string;
  constructor(src: string) {
    this.src = src;
  }

  parse(): Node {
    if (this.src.startsWith('^')) this.pos = 1;
    const node = this.alternation();
    if (this.pos < this.src.length) throw new TopicRegexError(`unexpected '${this.src[this.pos]}' at position ${this.pos}`);
    return node;
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.peek() === '|') {
      this.pos++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      if (c === '$') {
        if (this.pos !== this.src.length - 1) throw new TopicRegexError(`'$' is only supported at the end`);
        this.pos++;
        break;
      }
      items.push(this.quantified(this.atom()));
    }
    return items.length === 1 ? items[0]! : items.length === 0 ? { kind: 'empty' } : { kind: 'seq', items };
  }

  private quantified(node: Node): Node {
    const c = this.peek();
    let min: number;
    let max: number | null;
    if (c === '*') { min = 0; max = null; this.pos++; }
    else if (c === '+') { min = 1; max = null; this.pos++; }
    else if (c === '?') { min = 0; max = 1; this.pos++; }
    else if (c === '{' && /^\{\d+(,\d*)?\}/.test(this.src.slice(this.pos))) {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos))!;
      this.pos += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? null : Number(m[3]);
      if (max !== null && max < min) throw new TopicRegexError(`bad repetition {${m[1]}${m[2]}}`);
      if (min > STATES_MAX || (max ?? 0) > STATES_MAX) throw new TopicRegexError('repetition count too large');
    } else return node;
    if (this.peek() === '?') this.pos++;
    const next = this.peek();
    if (next === '*' || next === '+') throw new TopicRegexError('possessive or doubled quantifiers are not supported');
    return { kind: 'repeat', node, min, max };
  }

  private atom(): Node {
    const c = this.src[this.pos++]!;
    if (c === '(') {
      if (this.src.startsWith('?:', this.pos)) this.pos += 2;
      else if (this.peek() === '?') throw new TopicRegexError(`'(?' constructs other than '(?:' are not supported`);
      const inner = this.alternation();
      if (this.peek() !== ')') throw new TopicRegexError('missing )');
      this.pos++;
      return inner;
    }
    if (c === '[') return { kind: 'char', test: this.charClass() };
    if (c === '.') return { kind: 'char', test: (x) => x !== '\n' };
    if (c === '\\') return { kind: 'char', test: this.escape(false) };
    if (c === '*' || c === '+' || c === '?' || c === '{') throw new TopicRegexError(`nothing to repeat at position ${this.pos - 1}`);
    if (c === ')' || c === ']' || c === '^') throw new TopicRegexError(`unexpected '${c}' at position ${this.pos - 1}`);
    return { kind: 'char', test: (x) => x === c };
  }

  private escape(inClass: boolean): CharTest {
    const e = this.src[this.pos++];
    if (e === undefined) throw new TopicRegexError('trailing backslash');
    switch (e) {
      case 'd': return isDigit;
      case 'D': return (x) => !isDigit(x);
      case 'w': return isWord;
      case 'W': return (x) => !isWord(x);
      case 's': return isSpace;
      case 'S': return (x) => !isSpace(x);
      case 't': return (x) => x === '\t';
      case 'n': return (x) => x === '\n';
      default:
        if (/[A-Za-z0-9]/.test(e)) throw new TopicRegexError(`escape \\${e} is not supported${inClass ? ' in a class' : ''}`);
        return (x) => x === e;
    }
  }

  private charClass(): CharTest {
    let negated = false;
    if (this.peek() === '^') { negated = true; this.pos++; }
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const c = this.src[this.pos++];
      if (c === undefined) throw new TopicRegexError('missing ]');
      if (c === ']' && !first) break;
      first = false;
      if (c === '[' && this.peek() === ':') throw new TopicRegexError('POSIX classes are not supported');
      let lo: string | null = c;
      if (c === '\\') {
        const t = this.escape(true);
        const e = this.src[this.pos - 1]!;
        if (/[dDwWsS]/.test(e)) { tests.push(t); continue; }
        lo = e === 't' ? '\t' : e === 'n' ? '\n' : e;
      }
      if (this.peek() === '-' && this.src[this.pos + 1] !== ']' && this.src[this.pos + 1] !== undefined) {
        this.pos++;
        let hi = this.src[this.pos++]!;
        if (hi === '\\') {
          hi = this.src[this.pos++] ?? '';
          if (/[A-Za-z0-9]/.test(hi) || hi === '') throw new TopicRegexError('bad range end in class');
        }
        const from = lo;
        if (hi < from) throw new TopicRegexError(`bad range ${from}-${hi}`);
        tests.push((x) => x >= from && x <= hi);
      } else {
        const only = lo;
        tests.push((x) => x === only);
      }
    }
    return negated ? (x) => !tests.some((t) => t(x)) : (x) => tests.some((t) => t(x));
  }
}

/** NFA state: a character test with one successor, or an epsilon split to several. */
type State = { test: CharTest; next: number } | { eps: number[] } | { match: true };

class Compiler {
  readonly states: State[] = [];

  private add(s: State): number {
    if (this.states.length >= STATES_MAX) throw new TopicRegexError('pattern too large to match safely');
    this.states.push(s);
    return this.states.length - 1;
  }

  /** Compiles `node` so that it continues to `next`; returns its entry state. */
  compile(node: Node, next: number): number {
    switch (node.kind) {
      case 'empty': return next;
      case 'char': return this.add({ test: node.test, next });
      case 'seq': {
        let at = next;
        for (let i = node.items.length - 1; i >= 0; i--) at = this.compile(node.items[i]!, at);
        return at;
      }
      case 'alt': return this.add({ eps: node.options.map((o) => this.compile(o, next)) });
      case 'repeat': {
        let at = next;
        if (node.max === null) {
          const loop = this.add({ eps: [] });
          const body = this.compile(node.node, loop);
          (this.states[loop] as { eps: number[] }).eps.push(body, next);
          at = loop;
        } else {
          for (let i = node.min; i < node.max; i++) {
            const body = this.compile(node.node, at);
            at = this.add({ eps: [body, next] });
          }
        }
        for (let i = 0; i < node.min; i++) at = this.compile(node.node, at);
        return at;
      }
    }
  }
}

export interface TopicRegex {
  readonly source: string;
  matches(topic: string): boolean;
}

/** Compiles a subscription regex, or throws TopicRegexError saying what is not supported. */
export function compileTopicRegex(source: string): TopicRegex {
  if (source.length === 0) throw new TopicRegexError('empty pattern');
  if (source.length > PATTERN_LENGTH_MAX) throw new TopicRegexError(`pattern longer than ${PATTERN_LENGTH_MAX} characters`);
  const ast = new Parser(source).parse();
  const c = new Compiler();
  const accept = c.states.length;
  c.states.push({ match: true });
  const start = c.compile(ast, accept);
  const states = c.states;
  const closure = (set: Set<number>, s: number): void => {
    if (set.has(s)) return;
    set.add(s);
    const st = states[s]!;
    if ('eps' in st) for (const e of st.eps) closure(set, e);
  };
  return {
    source,
    matches(topic: string): boolean {
      let current = new Set<number>();
      closure(current, start);
      for (const ch of topic) {
        const next = new Set<number>();
        for (const s of current) {
          const st = states[s]!;
          if ('test' in st && st.test(ch)) closure(next, st.next);
        }
        if (next.size === 0) return false;
        current = next;
      }
      return current.has(accept);
    },
  };
}

/** The reason a pattern is refused, or null when it compiles. */
export function topicRegexError(source: string): string | null {
  try {
    compileTopicRegex(source);
    return null;
  } catch (e) {
    if (e instanceof TopicRegexError) return e.message;
    throw e;
  }
}
