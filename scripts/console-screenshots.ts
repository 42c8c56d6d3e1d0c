/**
 * Takes the docs' screenshots of the web console on a real three-node
 * cluster (`samsa cluster` processes) with one broker killed: the overview
 * with that broker fenced, and a topic whose partitions lost a replica.
 * Needs Debian's chromium. Run with `node scripts/console-screenshots.ts`;
 * writes docs/images/console-cluster.png and console-topic.png. (The other
 * console-*.png come from test/console/console.test.ts with
 * SAMSA_CONSOLE_SCREENSHOTS=docs.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { LocalCluster } from '../src/cli/local-cluster.ts';
import { Admin, Cluster, Producer } from '../src/client/index.ts';

const IMAGES = join(import.meta.dirname, '..', 'docs', 'images');
const dir = mkdtempSync(join(tmpdir(), 'samsa-console-shots-'));
const cluster = await LocalCluster.start({ nodes: 3, dataDir: dir });
try {
  const client = new Cluster({ bootstrapServers: cluster.bootstrap.split(',') });
  const admin = new Admin(client);
  await admin.createTopics([{ name: 'orders', partitions: 6, replicationFactor: 3 }, { name: 'payments', partitions: 3, replicationFactor: 2 }]);
  const producer = new Producer(client);
  await Promise.all(Array.from({ length: 300 }, (_, i) => producer.send({ topic: i % 3 === 0 ? 'payments' : 'orders', key: `k${i}`, value: JSON.stringify({ id: i }) })));
  await producer.close();
  await client.close();
  await cluster.killNode(3);
  const consoleUrl = `http://127.0.0.1:${cluster.node(1).consolePort}`;
  for (let i = 0; i < 100; i++) {
    const overview = await (await fetch(`${consoleUrl}/api/overview`)).json() as { brokers: { nodeId: number; fenced: boolean }[]; quorum: { error?: string } };
    if (overview.quorum.error === undefined && overview.brokers.find((b) => b.nodeId === 3)?.fenced === true) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1180, height: 720 } });
    await page.goto(`${consoleUrl}/#/overview`);
    await page.locator('tr[data-broker="3"]').waitFor();
    await page.screenshot({ path: join(IMAGES, 'console-cluster.png') });
    await page.goto(`${consoleUrl}/#/topics/orders`);
    await page.locator('tr[data-partition="5"]').waitFor();
    await page.screenshot({ path: join(IMAGES, 'console-topic.png') });
  } finally {
    await browser.close();
  }
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
