/**
 * docs/cli.md's table of Kafka's tools and flags, run: every row with an
 * example is executed, in order, as a user would type it (the installed
 * command's entry point, a real broker), and must succeed. A flag the table
 * promises and the command refuses fails here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { run } from '../helpers/processes.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'samsa.js');
/** Commands that do not talk to a broker, so get no --bootstrap-server. */
const OFFLINE = new Set(['start', 'cluster', 'version', 'help', 'dump-log', 'storage']);

interface Row {
  kafka: string;
  args: string[];
  stdin: string;
}

/** The rows of the table that carry an example: `samsa …` in backticks, with an optional (stdin `…`). */
export function parityRows(markdown: string): Row[] {
  const start = markdown.indexOf("## Kafka's tools, flag by flag");
  assert.ok(start >= 0, 'docs/cli.md has the parity table');
  const end = markdown.indexOf('\n## ', start + 1);
  const rows: Row[] = [];
  for (const line of markdown.slice(start, end < 0 ? undefined : end).split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || cells[1] === 'Kafka tool and flag' || cells[1]!.startsWith('---')) continue;
    const example = /^`samsa ([^`]+)`(?: \(stdin `([^`]*)`\))?$/.exec(cells[3]!);
    if (example === null) {
      assert.equal(cells[3], '', `an example cell is \`samsa …\` or empty: ${line}`);
      continue;
    }
    rows.push({ kafka: cells[1]!, args: example[1]!.split(/\s+/), stdin: example[2] === undefined ? '' : `${example[2]}\n` });
  }
  return rows;
}

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false' });
});
after(async () => {
  await broker?.stop();
});

test('every Kafka flag docs/cli.md says samsa takes works as its example shows', { timeout: 110_000 }, async () => {
  const rows = parityRows(readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8'));
  assert.ok(rows.length >= 40, `the table has ${rows.length} runnable rows`);
  for (const row of rows) {
    const args = OFFLINE.has(row.args[0]!) ? row.args : [...row.args, '--bootstrap-server', broker.bootstrap];
    const r = await run(process.execPath, [BIN, ...args], { input: row.stdin, timeoutMs: 20_000, cwd: ROOT });
    assert.equal(r.code, 0, `${row.kafka}: samsa ${row.args.join(' ')} exited ${r.code}: ${r.stderr}`);
  }
});
