/** `samsa start` as a user runs it: a real process, its ready line, its exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/broker.ts';
import { request } from '../helpers/raw-fetch.ts';
import { messages } from '../../src/protocol/index.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const READY_TIMEOUT_MS = 10_000;

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: READY_TIMEOUT_MS });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('an unknown or invalid config is one line on stderr and exit code 2', () => {
  for (const [args, message] of [
    [['start', '--override', 'foo.bar=1'], "samsa: unknown config 'foo.bar'"],
    [['start', '--override', 'num.partitions=abc'], "samsa: invalid value 'abc' for config 'num.partitions': not an integer"],
    [['start', '--port', '70000'], "samsa: --port expects 0-65535, got '70000'"],
    [['start', '--config', '/no/such/file'], 'samsa: cannot read config file /no/such/file: ENOENT'],
  ] as const) {
    const r = runCli([...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, `${message}\n`);
  }
});

test('start prints one ready line, serves clients, and stops cleanly on SIGTERM', async () => {
  const data = tempDir();
  try {
    const props = join(data.dir, 'server.properties');
    writeFileSync(props, '# a Kafka-style file\nnum.partitions = 4\nlog.dirs=' + join(data.dir, 'logs') + '\n');
    const child = spawn(process.execPath, [CLI, 'start', '--config', props, '--port', '0', '--override', 'auto.create.topics.enable=true', '--override', 'metrics.listener=', '--override', 'console.listener=']);
    let stdout = '';
    const ready = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready: ${stdout}`)), READY_TIMEOUT_MS);
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const m = /samsa ready on (\S+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    assert.equal(stdout.trim().split('\n').length, 1, 'exactly one line when ready');
    const meta = messages.MetadataRequest.defaults();
    meta.topics = [{ ...messages.defaultMetadataRequestMetadataRequestTopic(), name: 'auto' }];
    meta.allowAutoTopicCreation = true;
    const res = await request<messages.MetadataResponse>(ready, 3, 12, meta);
    assert.equal(res.topics[0]!.errorCode, 0);
    assert.equal(res.topics[0]!.partitions.length, 4, 'num.partitions from the file');
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
    assert.ok(existsSync(join(data.dir, 'logs', '.kafka_cleanshutdown')), 'clean-shutdown marker written');
    assert.ok(existsSync(join(data.dir, 'logs', 'auto-3', 'partition.metadata')));
  } finally {
    data.remove();
  }
});
