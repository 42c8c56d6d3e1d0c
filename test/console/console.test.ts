/**
 * The web console as a person meets it: an embedded broker with
 * `console.listener`, the pages opened in headless Chromium (Debian's
 * /usr/bin/chromium driven by playwright-core), and what they show checked
 * against what the CLI and KafkaJS did: the broker and quorum leader on the
 * overview, a topic created with `samsa topics` in the list, a produced
 * message with its header in the browser, a group's lag rising once its
 * consumer stops, and a topic created and deleted through the UI's
 * confirmation dialog. A screenshot of each page is kept under a temp dir
 * (SAMSA_CONSOLE_SCREENSHOTS=docs also copies them to docs/images). The API's
 * error answers are checked with fetch.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBroker, type RunningBroker } from '../../src/index.ts';
import { samsa } from '../helpers/samsa-cli.ts';
import { until } from '../helpers/until.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = mkdtempSync(join(tmpdir(), 'samsa-console-shots-'));
const DOCS_IMAGES = new URL('../../docs/images/', import.meta.url);

let broker: RunningBroker;
let browser: Browser;
let page: Page;
let kafka: Kafka;

before(async () => {
  broker = await startBroker({
    port: 0, config: { 'console.listener': 'http://127.0.0.1:0', 'group.initial.rebalance.delay.ms': '0', 'num.partitions': '1' },
  });
  await broker.ready;
  kafka = new Kafka({ clientId: 'console-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  page = await browser.newPage({ viewport: { width: 1180, height: 720 } });
  page.setDefaultTimeout(15_000);
});

after(async () => {
  await browser?.close();
  await broker?.stop();
  console.log(`console screenshots in ${SHOTS}`);
});

async function open(hash: string): Promise<void> {
  await page.goto(`${broker.consoleUrl}/${hash}`);
}

async function shoot(name: string): Promise<void> {
  const file = join(SHOTS, `console-${name}.png`);
  await page.screenshot({ path: file });
  // The docs show a three-node cluster's overview instead (scripts/console-screenshots.ts).
  if (process.env.SAMSA_CONSOLE_SCREENSHOTS === 'docs' && name !== 'overview') copyFileSync(file, new URL(`console-${name}.png`, DOCS_IMAGES));
}

test('the overview shows the broker, the controller and the quorum leader', async () => {
  assert.match(broker.consoleUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(broker.metricsUrl, null, 'an embedded broker serves no metrics unless asked');
  await open('#/overview');
  const row = page.locator(`tr[data-broker="${broker.nodeId}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /active/);
  assert.match(await row.innerText(), /controller/);
  const leader = page.locator(`tr[data-replica="${broker.nodeId}"]`);
  assert.match(await leader.innerText(), /Leader/);
  assert.match(await page.locator('main').innerText(), new RegExp(`Leader ${broker.nodeId}, epoch \\d+`));
  await shoot('overview');
});

test('a topic created with the CLI appears on the topics page with its partitions', async () => {
  const created = await samsa(['topics', '--create', '--topic', 'orders', '--partitions', '3', '--bootstrap-server', broker.bootstrap]);
  assert.equal(created.code, 0, created.stderr);
  await open('#/topics');
  const row = page.locator('tr[data-topic="orders"]');
  await row.waitFor();
  assert.match(await row.innerText(), /orders\s+3\s+1\s+ok/);
  await row.locator('a').click();
  await page.locator('tr[data-partition="2"]').waitFor();
  assert.match(await page.locator('tr[data-config="cleanup.policy"]').innerText(), /delete/);
  // Altering a config through the form and its confirmation: the override shows, and the CLI sees it.
  await page.locator('#alter-config select[name=config]').selectOption('retention.ms');
  await page.locator('#alter-config input[name=value]').fill('3600000');
  await page.locator('#alter-config button[type=submit]').click();
  assert.match(await page.locator('#confirm-text').innerText(), /Set retention\.ms=3600000 on topic 'orders'/);
  await page.locator('#confirm-ok').click();
  await page.locator('tr.override[data-config="retention.ms"]').waitFor();
  assert.match(await page.locator('tr[data-config="retention.ms"]').innerText(), /3600000\s+DYNAMIC_TOPIC_CONFIG/);
  const described = await samsa(['configs', '--describe', '--entity-type', 'topics', '--entity-name', 'orders', '--bootstrap-server', broker.bootstrap]);
  assert.match(described.stdout, /^retention\.ms\s+3600000\s+DYNAMIC_TOPIC_CONFIG/m);
});

test('a produced message is shown in the message browser, value and header, and found by search', async () => {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'orders', messages: [{ partition: 0, key: 'order-1', value: JSON.stringify({ item: 'book', qty: 2 }), headers: { source: 'web-shop' } }] });
  await producer.disconnect();
  await open('#/messages?topic=orders&partition=0');
  const row = page.locator('tr[data-offset="0"]');
  await row.waitFor();
  const text = await row.innerText();
  assert.match(text, /order-1/);
  assert.match(text, /"item": "book"/, 'a JSON value is pretty-printed');
  assert.match(text, /source: web-shop/);
  await page.locator('select[name=format]').selectOption('hex');
  assert.match(await row.innerText(), /6f 72 64 65 72 2d 31/, 'the key in hex');
  await page.locator('select[name=format]').selectOption('utf8');
  await page.locator('input[name=search]').fill('nothing-like-this');
  await page.locator('tr[data-offset="0"]').waitFor({ state: 'detached' });
  await page.locator('input[name=search]').fill('book');
  assert.equal(await page.locator('tr[data-offset="0"] mark').first().innerText(), 'book');
  await shoot('messages');
});

test("a consumer group's lag rises on the groups page when its consumer stops", async () => {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'orders', messages: [1, 2, 3].map((i) => ({ partition: 1, value: `early-${i}` })) });
  const consumer = kafka.consumer({ groupId: 'billing' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  let consumed = 0;
  await consumer.run({ autoCommitThreshold: 1, eachMessage: async () => { consumed++; } });
  await until('the four records consumed', () => consumed >= 4);
  await open('#/groups/billing');
  await until('the group is stable with no lag', async () => {
    const main = await page.locator('main').innerText();
    return /Stable/.test(main) && (await page.locator('#total-lag').innerText()) === '0';
  });
  // While the consumer runs, a reset is refused as kafka-consumer-groups refuses it.
  const refused = await fetch(`${broker.consoleUrl}/api/groups/billing/reset-offsets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"to":"earliest"}' });
  assert.equal(refused.status, 400);
  assert.match((await refused.json()).error, /^Assignments can only be reset if the group 'billing' is inactive, but the current state is Stable\.$/);
  await consumer.disconnect();
  await producer.send({ topic: 'orders', messages: [1, 2, 3, 4, 5].map((i) => ({ partition: 1, value: `late-${i}` })) });
  await producer.disconnect();
  await until('the page shows the group empty and 5 behind', async () =>
    (await page.locator('#group-state').innerText()) === 'Empty' && (await page.locator('#total-lag').innerText()) === '5');
  assert.match(await page.locator('tr[data-partition="orders-1"]').innerText(), /\b3\s+8\s+5\b/, 'committed 3, log end 8, lag 5');
  await until('the chart drew more than one point', async () => (await page.locator('svg.chart path').count()) >= 1);
  await shoot('group');
  await open('#/groups');
  const row = page.locator('tr[data-group="billing"]');
  await row.waitFor();
  assert.match(await row.innerText(), /billing\s+Empty[\s\S]*\b5\b/);
  await shoot('groups');
  // Reset to latest through the confirmation dialog: the lag goes back to 0.
  await open('#/groups/billing');
  await page.locator('[data-action=reset-latest]').click();
  await page.locator('#confirm-ok').click();
  await until('the lag is back to 0', async () => (await page.locator('#total-lag').innerText()) === '0');
  const described = await samsa(['groups', '--describe', '--group', 'billing', '--bootstrap-server', broker.bootstrap]);
  assert.match(described.stdout, /orders\s+1\s+8\s+8\s+0/);
});

test('a topic is created and deleted through the UI, each after its confirmation', async () => {
  await open('#/topics');
  await page.locator('#create-topic input[name=name]').fill('made-in-ui');
  await page.locator('#create-topic input[name=partitions]').fill('2');
  await page.locator('#create-topic button[type=submit]').click();
  await page.locator('dialog#confirm[open]').waitFor();
  assert.match(await page.locator('#confirm-text').innerText(), /made-in-ui/);
  await page.locator('dialog#confirm button[value=cancel]').click();
  const listed = async (): Promise<string> => (await samsa(['topics', '--list', '--bootstrap-server', broker.bootstrap])).stdout;
  assert.doesNotMatch(await listed(), /made-in-ui/, 'cancel creates nothing');
  await page.locator('#create-topic button[type=submit]').click();
  await page.locator('#confirm-ok').click();
  await page.locator('tr[data-topic="made-in-ui"]').waitFor();
  assert.match(await page.locator('[role=status]').innerText(), /made-in-ui' created/);
  assert.match(await listed(), /made-in-ui/);
  assert.doesNotMatch(await page.locator('tr[data-topic="orders"]').innerText(), /\s0 B/, 'the size of a topic with records, from DescribeLogDirs');
  await shoot('topics');
  // Creating it again: Kafka's refusal is shown, nothing crashes.
  await page.locator('#create-topic input[name=name]').fill('made-in-ui');
  await page.locator('#create-topic button[type=submit]').click();
  await page.locator('#confirm-ok').click();
  assert.match(await page.locator('[role=alert]').innerText(), /already exists \(TOPIC_ALREADY_EXISTS\)/);
  await page.locator('tr[data-topic="made-in-ui"] [data-action=delete]').click();
  assert.match(await page.locator('#confirm-text').innerText(), /Delete topic 'made-in-ui'/);
  await page.locator('#confirm-ok').click();
  await page.locator('tr[data-topic="made-in-ui"]').waitFor({ state: 'detached' });
  await until('the topic is gone for the CLI too', async () => !/made-in-ui/.test(await listed()));
});

test('the throughput page shows messages in per topic from the traffic counters', async () => {
  await open('#/throughput');
  const row = page.locator('tr[data-topic="orders"]');
  await row.waitFor();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'orders', messages: Array.from({ length: 40 }, (_, i) => ({ partition: 2, value: `burst-${i}` })) });
  await producer.disconnect();
  await until('the total counts all 49 messages in and a rate above 0 shows', async () => {
    const cells = await row.innerText();
    return /\b49$/.test(cells.trim()) && Number((await row.locator('.rate').innerText()).replace(/,/g, '')) > 0;
  });
  await producer.connect();
  await producer.send({ topic: 'orders', messages: Array.from({ length: 25 }, (_, i) => ({ partition: 2, value: `more-${i}` })) });
  await producer.disconnect();
  await until('a second rate drawn: the sparkline is a line', async () =>
    /\b74$/.test((await row.innerText()).trim()) && /L/.test((await row.locator('svg.spark path').getAttribute('d')) ?? ''));
  await shoot('throughput');
});

test('API errors: Kafka refusals as JSON 400/404, bad JSON and bad methods refused, the node unharmed', async () => {
  const api = (path: string, init?: RequestInit) => fetch(`${broker.consoleUrl}/api/${path}`, init);
  const postJson = (path: string, body: string) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const unknown = await api('topics/no-such-topic');
  assert.equal(unknown.status, 404);
  assert.deepEqual(await unknown.json(), { error: "topic 'no-such-topic' does not exist (UNKNOWN_TOPIC_OR_PARTITION)", code: 'UNKNOWN_TOPIC_OR_PARTITION' });
  const deleteUnknown = await postJson('topics/no-such-topic/delete', '{}');
  assert.equal(deleteUnknown.status, 404);
  const badJson = await postJson('topics', '{"name": ');
  assert.equal(badJson.status, 400);
  assert.match((await badJson.json()).error, /not valid JSON/);
  const badConfig = await postJson('topics/orders/configs', JSON.stringify({ set: { 'retention.ms': 'soon' } }));
  assert.equal(badConfig.status, 400);
  assert.deepEqual(await badConfig.json(), { error: "topic 'orders' failed: invalid value 'soon' for config 'retention.ms': not an integer (INVALID_CONFIG)", code: 'INVALID_CONFIG' });
  const badPartitions = await postJson('topics', JSON.stringify({ name: 'x', partitions: 'many' }));
  assert.equal(badPartitions.status, 400);
  assert.equal((await api('topics', { method: 'PUT' })).status, 405);
  assert.equal((await api('topics', { method: 'POST', body: '{}' })).status, 415, 'a change needs a JSON content type');
  assert.equal((await api('nothing-here')).status, 404);
  assert.equal((await fetch(`${broker.consoleUrl}/../../etc/passwd`)).status, 404);
  const badOffset = await api('topics/orders/messages?partition=0&offset=abc');
  assert.equal(badOffset.status, 400);
  const noPartition = await api('topics/orders/messages?partition=7');
  assert.equal(noPartition.status, 404);
  // Other sites in the operator's browser are kept out: a DNS-rebound host name, a cross-origin change.
  const rebound = await rawRequest('GET', '/api/overview', { host: 'attacker.example:80' });
  assert.equal(rebound.status, 403);
  assert.match(rebound.body, /only requests addressed to an IP address, localhost or 127\.0\.0\.1/);
  const crossSite = await rawRequest('POST', '/api/topics/orders/delete', { 'content-type': 'application/json', origin: 'http://attacker.example' }, '{}');
  assert.equal(crossSite.status, 403);
  assert.equal((await rawRequest('GET', '/api/overview', { host: `localhost:${new URL(broker.consoleUrl!).port}` })).status, 200);
  const overview = await api('overview');
  assert.equal(overview.status, 200, 'the node still answers');
  assert.match(await overview.text(), /"name"|"brokers"/);
  assert.ok((await api('topics/orders')).ok, 'orders was not deleted by the cross-site request');
});

/** An HTTP request with headers fetch() will not set (Host, Origin). */
function rawRequest(method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(broker.consoleUrl!);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('console.listener: a configured taken port stops the start; the metrics address can be shared', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    await assert.rejects(startBroker({ port: 0, config: { 'console.listener': `http://127.0.0.1:${port}` } }), /console\.listener http:\/\/127\.0\.0\.1:\d+: address already in use/);
  } finally {
    taken.close();
  }
  await assert.rejects(startBroker({ port: 0, config: { 'console.listener': 'localhost:8080' } }), /invalid value 'localhost:8080' for config 'console.listener'/);
  const both = await startBroker({ port: 0, config: { 'console.listener': `http://127.0.0.1:${port}`, 'metrics.listener': `http://127.0.0.1:${port}` } });
  try {
    assert.equal(both.consoleUrl, `http://127.0.0.1:${port}`);
    assert.equal(both.metricsUrl, both.consoleUrl);
    assert.match(await (await fetch(`${both.metricsUrl}/metrics`)).text(), /kafka_server_replicamanager_leader_count/);
    assert.match(await (await fetch(`${both.consoleUrl}/`)).text(), /Samsa console/);
  } finally {
    await both.stop();
  }
});

test('a node whose listeners all need SASL: the console says it cannot reach the cluster, and why', async () => {
  const sasl = await startBroker({
    port: 0, config: {
      'console.listener': 'http://127.0.0.1:0', listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'PLAIN',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="s" user_admin="s";',
    },
  });
  try {
    const res = await fetch(`${sasl.consoleUrl}/api/topics`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), {
      error: 'the console reaches the cluster over a PLAINTEXT client listener, and this node has none: its listeners are SASL_PLAINTEXT (SASL_PLAINTEXT)',
    });
    assert.equal((await fetch(`${sasl.consoleUrl}/`)).status, 200, 'the pages still load, to show that');
  } finally {
    await sasl.stop();
  }
});
