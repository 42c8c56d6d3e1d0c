/**
 * `samsa cluster` and `samsa metadata-quorum` as a user runs them: a local
 * cluster comes up and prints its bootstrap list, the quorum is described
 * through it, Ctrl-C stops every node, the same directory brings the same
 * cluster back; bad options are one line and exit 2. `samsa cluster` runs as
 * a real process (it runs until Ctrl-C); the commands run against it run in-process.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestBroker, tempDir } from '../helpers/broker.ts';
import { isOneLineError, samsa } from '../helpers/samsa-cli.ts';
import { until } from '../helpers/until.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const READY_MS = 30_000;
const children: ChildProcess[] = [];

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts `samsa cluster`, resolving with its bootstrap list once it prints it. */
function startCluster(dir: string, nodes: number): Promise<{ child: ChildProcess; bootstrap: string; output(): string; errors(): string }> {
  const child = spawn(process.execPath, [MAIN, 'cluster', '--nodes', String(nodes), '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no bootstrap line in ${READY_MS} ms: ${stdout}`)), READY_MS);
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      const m = /bootstrap servers: (\S+)/.exec(stdout);
      if (m === null) return;
      clearTimeout(timer);
      resolve({ child, bootstrap: m[1]!, output: () => stdout, errors: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`samsa cluster exited with ${code}: ${stdout}`)));
  });
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

async function quorumStatus(bootstrap: string): Promise<Record<string, unknown>> {
  return until('the quorum described', async () => {
    const r = await samsa(['metadata-quorum', '--describe', '--status', '--json', '--bootstrap-server', bootstrap]);
    return r.code === 0 ? JSON.parse(r.stdout) as Record<string, unknown> : null;
  }, { timeoutMs: 20_000, intervalMs: 200 });
}

test('samsa cluster runs the nodes, metadata-quorum describes them, Ctrl-C stops them, and the directory restarts them', async () => {
  const data = tempDir('samsa-cli-cluster-');
  try {
    const first = await startCluster(data.dir, 2);
    assert.equal(first.bootstrap.split(',').length, 2);
    const status = await quorumStatus(first.bootstrap);
    assert.deepEqual([...(status.currentVoters as number[])].sort(), [1, 2], "both nodes vote (in whatever order the leader lists them)");
    assert.ok([1, 2].includes(status.leaderId as number));
    const human = await samsa(['metadata-quorum', '--describe', '--replication', '--bootstrap-server', first.bootstrap.split(',')[1]!]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^NodeId\s+LogEndOffset\s+Lag\s+LastFetchTimestamp\s+LastCaughtUpTimestamp\s+Status$/m);
    assert.match(human.stdout, /Leader$/m);
    assert.match(human.stdout, /Follower$/m);
    const created = await samsa(['topics', '--create', '--topic', 'kept', '--partitions', '2', '--bootstrap-server', first.bootstrap]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(await stopped(first.child), 0);

    const second = await startCluster(data.dir, 2);
    assert.equal(second.bootstrap, first.bootstrap, 'the same plan: the same ports');
    const listed = await samsa(['topics', '--list', '--bootstrap-server', second.bootstrap]);
    assert.match(listed.stdout, /^kept$/m);
    const again = await quorumStatus(second.bootstrap);
    assert.ok((again.leaderEpoch as number) > (status.leaderEpoch as number));

    // Each node has its own metrics and console ports, printed with it; a node killed from outside is reported, the rest run on.
    const metrics = [...second.output().matchAll(/node (\d): broker \S+, controller \S+, metrics (http:\/\/\S+)\/metrics, console (http:\/\/\S+)\//g)];
    assert.equal(metrics.length, 2, second.output());
    assert.notEqual(metrics[0]![3], metrics[1]![3], 'a console port per node');
    for (const [, , url, consoleUrl] of metrics) {
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      const overview = await (await fetch(`${consoleUrl}/api/overview`)).json() as { brokers: { nodeId: number; fenced: boolean }[] };
      assert.deepEqual(overview.brokers.map((b) => [b.nodeId, b.fenced]), [[1, false], [2, false]]);
    }
    const nodePids = execFileSync('pgrep', ['-P', String(second.child.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
    assert.equal(nodePids.length, 2);
    process.kill(nodePids[1]!, 'SIGKILL');
    await until('the dead node reported', () => /^samsa: node \d exited \(SIGKILL\); the other nodes keep running$/m.test(second.errors()),
      { timeoutMs: 5000, context: () => second.errors() });
    assert.equal(await stopped(second.child), 0);
  } finally {
    data.remove();
  }
});

test('bad options are one line and exit 2', async () => {
  const broker = await startTestBroker();
  try {
    const nodes = await samsa(['cluster', '--nodes', '0']);
    assert.ok(isOneLineError(nodes), nodes.stderr);
    assert.equal(nodes.code, 2);
    const neither = await samsa(['metadata-quorum', '--describe', '--bootstrap-server', broker.bootstrap]);
    assert.ok(isOneLineError(neither), neither.stderr);
    assert.equal(neither.code, 2);
    const single = await samsa(['metadata-quorum', '--describe', '--status', '--json', '--bootstrap-server', broker.bootstrap]);
    assert.equal(single.code, 0, single.stderr);
    assert.deepEqual(JSON.parse(single.stdout).currentVoters, [broker.nodeId], 'one node is a one-voter quorum');
  } finally {
    await broker.stop();
  }
});

test('samsa storage: random-uuid makes a cluster id, format writes it into every directory of a config, once', { timeout: 60_000 }, async () => {
  const dir = tempDir('samsa-storage-');
  try {
    const uuid = await samsa(['storage', 'random-uuid']);
    assert.equal(uuid.code, 0, uuid.stderr);
    const id = uuid.stdout.trim();
    assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    const config = join(dir.dir, 'server.properties');
    writeFileSync(config, `node.id=1\nlog.dirs=${join(dir.dir, 'a')},${join(dir.dir, 'b')}\n`);
    const formatted = await samsa(['storage', 'format', '-t', id, '-c', config]);
    assert.equal(formatted.code, 0, formatted.stderr);
    for (const d of ['a', 'b']) assert.match(readFileSync(join(dir.dir, d, 'meta.properties'), 'utf8'), new RegExp(`cluster.id=${id}\\n[\\s\\S]*node.id=1`));
    const again = await samsa(['storage', 'format', '-t', id, '-c', config]);
    assert.ok(isOneLineError(again), again.stderr);
    assert.match(again.stderr, /is already formatted\. Use --ignore-formatted/);
    const ignored = await samsa(['storage', 'format', '-t', id, '-c', config, '--ignore-formatted']);
    assert.equal(ignored.code, 0, ignored.stderr);
    const missing = await samsa(['storage', 'format', '-c', config]);
    assert.equal(missing.code, 2);
  } finally {
    dir.remove();
  }
});
