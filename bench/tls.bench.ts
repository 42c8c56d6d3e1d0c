// The cost of TLS (issue 13): one `samsa start` process listening on PLAINTEXT and SSL at once,
// kcat (librdkafka 2.0.2) producing from a file and consuming back 100 B and 1 KiB records over
// each. Prints a table; asserts nothing. Client and broker share the machine's cores.
//
//   node bench/tls.bench.ts            (or: npm run bench -- tls)
//
// Environment: SAMSA_BENCH_TLS_RECORDS  records of 100 B per run (default 1000000; 1 KiB runs use a quarter).
// Needs kcat and openssl (test certificates are made in a temp dir). Every child has a time bound.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { makeTestCerts } from '../test/helpers/certs.ts';
import { killAll, run, startBrokerProcess, recordFile } from './broker-procs.ts';

const RECORDS = Number(process.env.SAMSA_BENCH_TLS_RECORDS ?? 1_000_000);
const CLIENT_TIMEOUT_MS = 300_000;
const BROKER_LIFE_MS = 15 * 60_000;
const PRODUCER = ['linger.ms=5', 'batch.num.messages=10000', 'queue.buffering.max.messages=1000000', 'queue.buffering.max.kbytes=1048576', 'acks=1'];
const CONSUMER = ['fetch.message.max.bytes=4194304', 'queued.min.messages=1000000', 'fetch.error.backoff.ms=10', 'fetch.wait.max.ms=10'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'samsa-bench-tls-'));
  const certs = makeTestCerts();
  try {
    const [plain, ssl] = [await freePort(), await freePort()];
    const broker = await startBrokerProcess('src', join(dir, 'data'), {
      maxLifeMs: BROKER_LIFE_MS,
      overrides: [`listeners=PLAINTEXT://127.0.0.1:${plain},SSL://127.0.0.1:${ssl}`, 'ssl.keystore.type=PEM', `ssl.keystore.location=${certs.serverStore}`],
    });
    // `samsa start --port` (0 here) overrides the first listener's port: the ready line has the one it got.
    const security: Record<string, { port: number; args: string[] }> = {
      PLAINTEXT: { port: broker.port, args: [] },
      SSL: { port: ssl, args: ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.caFile}`] },
    };
    console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; kcat, one partition, acks=1`);
    console.log('| listener | record | records | produce rec/s | produce MB/s | consume rec/s | consume MB/s |');
    console.log('|---|---|---|---|---|---|---|');
    try {
      for (const size of [100, 1024]) {
        const count = size === 100 ? RECORDS : RECORDS / 4;
        const file = recordFile(dir, size, count);
        for (const [name, s] of Object.entries(security)) {
          const topic = `tls-${name.toLowerCase()}-${size}`;
          const bootstrap = `127.0.0.1:${s.port}`;
          const produced = await run('kcat', ['-P', '-b', bootstrap, '-t', topic, '-l', ...PRODUCER.flatMap((x) => ['-X', x]), ...s.args, file], { timeoutMs: CLIENT_TIMEOUT_MS });
          if (produced.code !== 0) throw new Error(`kcat -P over ${name} failed: ${produced.stderr.slice(-1000)}`);
          const consumed = await run('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-f', '.', ...CONSUMER.flatMap((x) => ['-X', x]), ...s.args], {
            timeoutMs: CLIENT_TIMEOUT_MS, keepStdout: false,
          });
          if (consumed.code !== 0) throw new Error(`kcat -C over ${name} failed: ${consumed.stderr.slice(-1000)}`);
          const pRate = count / (produced.ms / 1000);
          const cRate = count / (consumed.ms / 1000);
          console.log(`| ${name} | ${size} B | ${count} | ${Math.round(pRate).toLocaleString('en')} | ${(pRate * size / 1e6).toFixed(1)} | ${Math.round(cRate).toLocaleString('en')} | ${(cRate * size / 1e6).toFixed(1)} |`);
        }
      }
    } finally {
      await broker.stop();
    }
  } finally {
    killAll();
    certs.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
