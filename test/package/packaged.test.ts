/**
 * The package as a user gets it: `npm pack` of this repository, installed
 * into a scratch project, its `samsa` bin run from yet another directory,
 * and `import … from 'samsa'` in a script of that project. Nothing here runs
 * the repository's sources, which is how `samsa cluster` once shipped
 * pointing at a main.ts the package does not have.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/broker.ts';
import { run } from '../helpers/processes.ts';

const REPO = join(import.meta.dirname, '..', '..');
const PACK_TIMEOUT_MS = 180_000;
const READY_MS = 30_000;

const work = tempDir('samsa-packaged-');
const project = join(work.dir, 'project');
const elsewhere = join(work.dir, 'elsewhere');
let bin: string;

before(async () => {
  const packed = await run('npm', ['pack', '--pack-destination', work.dir], { cwd: REPO, timeoutMs: PACK_TIMEOUT_MS });
  assert.equal(packed.code, 0, packed.stderr);
  const tarball = readdirSync(work.dir).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball !== undefined, 'npm pack wrote a tarball');
  await run('mkdir', ['-p', project, elsewhere]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', type: 'module', private: true }));
  const installed = await run('npm', ['install', join(work.dir, tarball), '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, timeoutMs: PACK_TIMEOUT_MS });
  assert.equal(installed.code, 0, installed.stderr);
  assert.doesNotMatch(installed.stderr, /install-scripts/, 'the package has no install script to approve');
  bin = join(project, 'node_modules', '.bin', 'samsa');
}, { timeout: 2 * PACK_TIMEOUT_MS });

after(() => work.remove());

test('the package ships what a dependency needs: the compiled code and the bin, not sources or docs', { timeout: 10_000 }, () => {
  const root = join(project, 'node_modules', 'samsa');
  assert.ok(existsSync(join(root, 'dist', 'cli', 'main.js')));
  assert.ok(existsSync(join(root, 'dist', 'index.d.ts')));
  assert.ok(existsSync(join(root, 'dist', 'console', 'web', 'static', 'index.html')), 'the web console\'s pages');
  assert.equal(existsSync(join(root, 'src')), false);
  assert.equal(existsSync(join(root, 'docs')), false);
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(manifest.scripts?.[script], undefined, script);
});

test('the installed samsa prints its help and version', { timeout: 30_000 }, async () => {
  const help = await run(bin, ['--help'], { cwd: elsewhere });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Usage: samsa/);
  for (const command of ['start', 'cluster', 'topics', 'produce', 'consume', 'groups']) assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`));
  const version = await run(bin, ['--version'], { cwd: elsewhere });
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  const command = await run(bin, ['version'], { cwd: elsewhere });
  assert.equal(command.stdout, version.stdout);
});

test('the installed samsa cluster starts its nodes with their data under the --data-dir given, from any directory', { timeout: 90_000 }, async () => {
  const data = join(work.dir, 'cluster-data');
  const child = spawn(bin, ['cluster', '--nodes', '2', '--data-dir', data], { cwd: elsewhere, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const bootstrap = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no bootstrap line in ${READY_MS} ms: ${stdout}${stderr}`)), READY_MS);
      const check = (): void => {
        const m = /bootstrap servers: (\S+)/.exec(stdout);
        if (m === null) return;
        clearTimeout(timer);
        resolve(m[1]!);
      };
      child.stdout.on('data', check);
      void exited.then((code) => reject(new Error(`samsa cluster exited with ${code}: ${stdout}${stderr}`)));
    });
    assert.match(stdout, new RegExp(`data in ${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    for (const id of [1, 2]) assert.ok(existsSync(join(data, `node-${id}`, 'meta.properties')), `node ${id}'s data is under ${data}`);
    assert.equal(existsSync(join(elsewhere, 'cluster-data')), false, 'nothing is written relative to the working directory');
    const created = await run(bin, ['topics', '--create', '--topic', 'packaged', '--partitions', '2', '--replication-factor', '2', '--bootstrap-server', bootstrap], { cwd: elsewhere });
    assert.equal(created.code, 0, created.stderr);
    const listed = await run(bin, ['topics', '--list', '--bootstrap-server', bootstrap], { cwd: elsewhere });
    assert.match(listed.stdout, /^packaged$/m);
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 0, stderr);
});

test('a script of the project embeds a broker from the package (silent, no initial rebalance delay) and round-trips a record with its client', { timeout: 60_000 }, async () => {
  const script = join(project, 'embedded.js');
  writeFileSync(script, `
import { startBroker, Admin, Cluster, Producer, Consumer } from 'samsa';
const broker = await startBroker({ port: 0 });
const cluster = new Cluster({ bootstrapServers: [broker.bootstrap] });
try {
  const producer = new Producer(cluster);
  await producer.send({ topic: 'greetings', key: 'k', value: 'hello from the package' });
  await producer.close();
  const consumer = new Consumer(cluster, { groupId: 'packaged', autoOffsetReset: 'earliest' });
  consumer.subscribe(['greetings']);
  for await (const record of consumer) {
    console.log(record.value.toString());
    break;
  }
  await consumer.close();
  const configs = await new Admin(cluster).describeConfigs('broker', String(broker.nodeId));
  console.log(configs.find((c) => c.name === 'group.initial.rebalance.delay.ms').value);
} finally {
  await cluster.close();
  await broker.stop();
}
`);
  const r = await run(process.execPath, [script], { cwd: project, timeoutMs: 50_000 });
  assert.equal(r.code, 0, r.stderr);
  const [value, delay] = r.stdout.trim().split('\n');
  assert.equal(value, 'hello from the package');
  assert.equal(delay, '0', 'an embedded broker gives a group its first assignment without waiting for more members');
  assert.equal(r.stderr, '', 'an embedded broker is silent unless given a log');
});
