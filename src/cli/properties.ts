/**
 * The `--property key=value` settings of the console producer and consumer,
 * checked against what Kafka's tools know: a typo (`parse.keys`) or a
 * setting Samsa does not do yet is a usage error naming it, never silently
 * ignored.
 */
import { CliError, EXIT_USAGE } from './common.ts';

/** How a known property's value is read, or that Samsa does not do it yet. */
export type PropertyKind = 'boolean' | 'string' | 'unsupported';

/** k=v pairs (Kafka's --property and friends); later ones win. */
export function parseProperties(items: readonly string[], what = '--property'): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0) throw new CliError(`invalid ${what} '${item}': expected key=value`, EXIT_USAGE);
    out.set(item.slice(0, at), item.slice(at + 1));
  }
  return out;
}

/** Throws a usage error for the first property that is unknown, not supported, or badly valued. */
export function checkProperties(props: ReadonlyMap<string, string>, known: Readonly<Record<string, PropertyKind>>, what = '--property'): void {
  for (const [key, value] of props) {
    const kind = Object.hasOwn(known, key) ? known[key] : undefined;
    if (kind === undefined) {
      const guess = closest(key, Object.keys(known));
      throw new CliError(`unknown ${what} '${key}'${guess === null ? '' : ` (did you mean '${guess}'?)`}`, EXIT_USAGE);
    }
    if (kind === 'unsupported') throw new CliError(`${what} '${key}' is not supported by samsa yet`, EXIT_USAGE);
    if (kind === 'boolean' && value !== 'true' && value !== 'false') {
      throw new CliError(`${what} ${key} expects true or false, got '${value}'`, EXIT_USAGE);
    }
  }
}

/** The candidate nearest to `word` by edit distance, if it is near enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 4)) + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
