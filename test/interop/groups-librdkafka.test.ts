/**
 * librdkafka consumer groups (Python confluent-kafka) against a real Samsa
 * broker, every member its own process (test/interop/python/group_member.py)
 * reporting its rebalance callbacks as they happen:
 *   - cooperative-sticky with 2 then 3 members on 6 partitions: only the
 *     partitions that move are revoked, never two owners at once, 2/2/2;
 *   - static membership (KIP-345): a restart inside the session timeout —
 *     of the leader by close() (no LeaveGroup for static members), of the
 *     other member by SIGKILL — gets the old partitions back and the other
 *     member sees no rebalance (no callbacks; the broker logs none); a second
 *     live member with the same group.instance.id fences the first, which
 *     librdkafka surfaces as a fatal FENCED_INSTANCE_ID;
 *   - synchronous commits after each batch: a restarted consumer resumes
 *     right after the last commit, and lag (committed() and watermarks) is
 *     what was produced minus what was committed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { PYTHON, kafkaTool, killAllChildren } from '../helpers/processes.ts';
import { until as untilShared } from '../helpers/until.ts';

const MEMBER_SCRIPT = join(import.meta.dirname, 'python', 'group_member.py');
const WAIT_MS_MAX = 15_000;
/** librdkafka's error code for a broker's FENCED_INSTANCE_ID (Kafka's own number). */
const FENCED_INSTANCE_ID = 82;
/** How long the heartbeats of an untouched member must show no rebalance: several heartbeat intervals. */
const QUIET_MS = 1500;
const HEARTBEAT_MS = 300;

let broker: TestBroker;
const children = new Set<ChildProcess>();

before(async () => {
  broker = await startTestBroker({
    'auto.create.topics.enable': 'false',
    'offsets.topic.num.partitions': '10',
    'group.initial.rebalance.delay.ms': '0',
    'group.min.session.timeout.ms': '1000',
  });
  const created = await kafkaTool<{ results: Record<string, unknown> }>({
    op: 'create_topics', bootstrap: broker.bootstrap,
    topics: [{ name: 'coop', partitions: 6 }, { name: 'static', partitions: 6 }, { name: 'lag', partitions: 3 }],
  });
  assert.deepEqual(created.results, { coop: null, static: null, lag: null });
});

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  killAllChildren();
  await broker?.stop();
});

/** `cause` is set for librdkafka's _FATAL (-150): the error that made it fatal. */
interface KafkaErr { code: number; name: string; str: string; fatal: boolean; cause?: { code: number; name: string } | null }
type MemberEvent =
  | { event: 'ready' | 'closed' | 'exiting' | 'timeout'; t: number }
  | { event: 'assign' | 'revoke' | 'lost'; partitions: number[]; t: number }
  | ({ event: 'error'; t: number } & KafkaErr)
  | { event: 'batch'; records: [number, number][]; t: number }
  | { event: 'commit'; offsets: [number, number][]; error: KafkaErr | null }
  | { event: 'reply'; op: string; partitions: unknown };

function until(what: string, cond: () => boolean, context: () => string = () => '', timeoutMs = WAIT_MS_MAX): Promise<boolean> {
  return untilShared(what, cond, { timeoutMs, intervalMs: 20, context });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const sorted = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);
const ALL6 = [0, 1, 2, 3, 4, 5];

/** One group_member.py process; its events are collected as they arrive. */
class Member {
  readonly name: string;
  readonly events: MemberEvent[] = [];
  private readonly child: ChildProcess;
  private readonly cooperative: boolean;
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(name: string, topic: string, config: Record<string, string | number | boolean>, extra: Record<string, unknown> = {}) {
    this.name = name;
    this.cooperative = config['partition.assignment.strategy'] === 'cooperative-sticky';
    this.child = spawn(PYTHON, [MEMBER_SCRIPT], { stdio: 'pipe' });
    children.add(this.child);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => {
      children.delete(this.child);
      resolve(code);
    }));
    let pending = '';
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      pending += s;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.trim() !== '') this.events.push(JSON.parse(line) as MemberEvent);
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.child.stdin!.on('error', () => undefined);
    this.send({ bootstrap: broker.bootstrap, topic, config, max_seconds: 40, ...extra });
  }

  send(command: Record<string, unknown>): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** The partitions the rebalance callbacks handed over and did not take back. */
  owned(): number[] {
    const owned = new Set<number>();
    for (const e of this.events) {
      if (e.event === 'assign') {
        if (!this.cooperative) owned.clear();
        for (const p of e.partitions) owned.add(p);
      } else if (e.event === 'revoke' || e.event === 'lost') {
        if (this.cooperative) for (const p of e.partitions) owned.delete(p);
        else owned.clear();
      }
    }
    return sorted(owned);
  }

  /** Non-empty assign/revoke/lost callbacks, from event index `from` on. */
  rebalances(from = 0): Extract<MemberEvent, { partitions: number[]; t: number }>[] {
    return this.events.slice(from).filter((e): e is Extract<MemberEvent, { partitions: number[]; t: number }> =>
      (e.event === 'assign' || e.event === 'revoke' || e.event === 'lost') && e.partitions.length > 0);
  }

  errors(): Extract<MemberEvent, { event: 'error' }>[] {
    return this.events.filter((e): e is Extract<MemberEvent, { event: 'error' }> => e.event === 'error');
  }

  records(): [number, number][] {
    return this.events.flatMap((e) => (e.event === 'batch' ? e.records : []));
  }

  async request<T>(command: Record<string, unknown>): Promise<T> {
    const from = this.events.length;
    this.send(command);
    let found: MemberEvent | undefined;
    await until(`${this.name} to answer ${String(command.op)}`, () => {
      found = this.events.slice(from).find((e) => e.event === 'reply' && e.op === command.op);
      return found !== undefined;
    });
    return (found as { partitions: T }).partitions;
  }

  /** consumer.close() (a dynamic member leaves the group; a static one does not), then the process exits. */
  async close(): Promise<void> {
    this.send({ op: 'close' });
    const code = await this.exited;
    assert.equal(code, 0, `${this.name} exit: ${this.stderr}`);
    assert.ok(this.events.some((e) => e.event === 'closed'), `${this.name} did not close`);
  }

  /** SIGKILL: the member vanishes, nothing is closed or sent. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Ends the process without closing the consumer. */
  async exit(): Promise<void> {
    this.send({ op: 'exit' });
    await this.exited;
  }

  describe(): string {
    return `${this.name}: ${JSON.stringify(this.events.filter((e) => e.event !== 'batch'))}\n${this.stderr}`;
  }
}

/** Lines the broker logged about one group that start a rebalance. */
function rebalancesLogged(group: string): string[] {
  return broker.logLines.filter((l) => l.startsWith(`group ${group} preparing to rebalance`));
}

function memberConfig(group: string, extra: Record<string, string | number | boolean> = {}): Record<string, string | number | boolean> {
  return {
    'group.id': group, 'session.timeout.ms': 6000, 'heartbeat.interval.ms': HEARTBEAT_MS,
    'auto.offset.reset': 'earliest', 'enable.auto.commit': false, 'fetch.wait.max.ms': 100, ...extra,
  };
}

test('cooperative-sticky, 2 then 3 members: only moving partitions are revoked, never two owners at once', { timeout: 40_000 }, async () => {
  const config = memberConfig('coop-g', { 'partition.assignment.strategy': 'cooperative-sticky' });
  const a = new Member('a', 'coop', config);
  await until('a to own all six partitions', () => a.owned().join() === ALL6.join());
  const ownedByA1 = a.owned();

  const b = new Member('b', 'coop', config);
  await until('3 + 3', () => a.owned().length === 3 && b.owned().length === 3);
  assert.deepEqual(sorted([...a.owned(), ...b.owned()]), ALL6);
  const [ownedByA2, ownedByB2] = [a.owned(), b.owned()];
  const [phase3A, phase3B] = [a.events.length, b.events.length];

  const c = new Member('c', 'coop', config);
  const members = [a, b, c];
  try {
    await until('2 + 2 + 2', () => members.every((m) => m.owned().length === 2));
    assert.deepEqual(sorted(members.flatMap((m) => m.owned())), ALL6);
    // What the callbacks say is what librdkafka holds.
    for (const m of members) assert.deepEqual(await m.request<number[]>({ op: 'assignment' }), m.owned(), m.name);

    // Phase 2: a gave b exactly three partitions, in one incremental revoke, and kept the others throughout.
    const movedToB = ownedByA1.filter((p) => !ownedByA2.includes(p));
    assert.deepEqual(movedToB, ownedByB2);
    // Phase 3: a and b each gave c exactly one partition; every other partition stayed put.
    const lostByA3 = ownedByA2.filter((p) => !a.owned().includes(p));
    const lostByB3 = ownedByB2.filter((p) => !b.owned().includes(p));
    assert.equal(lostByA3.length, 1);
    assert.equal(lostByB3.length, 1);
    assert.deepEqual(sorted([...lostByA3, ...lostByB3]), c.owned());

    // Exactly the moving partitions were revoked, each once; nothing was ever lost, revoked wholesale, or re-assigned.
    const revokedBy = (m: Member, from = 0): number[] => sorted(m.rebalances(from).filter((e) => e.event === 'revoke').flatMap((e) => e.partitions));
    const assignedTo = (m: Member, from = 0): number[] => sorted(m.rebalances(from).filter((e) => e.event === 'assign').flatMap((e) => e.partitions));
    assert.deepEqual(revokedBy(a), sorted([...movedToB, ...lostByA3]), a.describe());
    assert.deepEqual(revokedBy(a, phase3A), lostByA3, a.describe());
    assert.deepEqual(revokedBy(b), lostByB3, b.describe());
    assert.deepEqual(revokedBy(b, phase3B), lostByB3, b.describe());
    assert.deepEqual(revokedBy(c), []);
    assert.deepEqual(assignedTo(a), ALL6);
    assert.deepEqual(assignedTo(b), ownedByB2);
    assert.deepEqual(assignedTo(c), c.owned());
    for (const m of members) {
      assert.deepEqual(m.rebalances().filter((e) => e.event === 'lost'), [], m.describe());
      assert.deepEqual(m.errors(), [], m.describe());
    }

    // Ownership intervals [assigned, revoked] of one partition never overlap between members.
    for (const p of ALL6) {
      const intervals: { member: string; from: number; to: number }[] = [];
      for (const m of members) {
        let from: number | null = null;
        for (const e of m.rebalances()) {
          if (!e.partitions.includes(p)) continue;
          if (e.event === 'assign') {
            assert.equal(from, null, `${m.name} was assigned partition ${p} twice`);
            from = e.t;
          } else {
            assert.notEqual(from, null, `${m.name} lost partition ${p} it did not own`);
            intervals.push({ member: m.name, from: from!, to: e.t });
            from = null;
          }
        }
        if (from !== null) intervals.push({ member: m.name, from, to: Number.POSITIVE_INFINITY });
      }
      intervals.sort((x, y) => x.from - y.from);
      for (let i = 1; i < intervals.length; i++) {
        assert.ok(intervals[i]!.from >= intervals[i - 1]!.to, `partition ${p} owned by ${intervals[i - 1]!.member} and ${intervals[i]!.member} at once`);
      }
    }
    assert.ok(broker.logLines.some((l) => /^group coop-g generation \d+ with 3 members, protocol cooperative-sticky$/.test(l)), broker.logLines.join('\n'));
  } finally {
    await Promise.all(members.map((m) => m.exit()));
  }
});

test('static members: restarts inside the session timeout are no rebalance; a duplicate instance id is fenced', { timeout: 40_000 }, async () => {
  const config = (instance: string) => memberConfig('static-g', { 'group.instance.id': instance, 'partition.assignment.strategy': 'range' });
  const started: Member[] = [];
  const start = (name: string, instance: string): Member => {
    const m = new Member(name, 'static', config(instance));
    started.push(m);
    return m;
  };
  const isFenced = (e: KafkaErr): boolean => e.fatal && (e.code === FENCED_INSTANCE_ID || e.cause?.code === FENCED_INSTANCE_ID);
  try {
    // s1 first, so that it is the group's leader: its restart is the delicate one.
    const s1 = start('s1', 's1');
    await until('s1 to own all six partitions', () => s1.owned().length === 6);
    const s2 = start('s2', 's2');
    await until('3 + 3', () => s1.owned().length === 3 && s2.owned().length === 3);
    assert.deepEqual(sorted([...s1.owned(), ...s2.owned()]), ALL6);
    assert.match(rebalancesLogged('static-g')[0]!, /\(adding new member s1-/, 's1 joined first and leads');
    const [old1, old2] = [s1.owned(), s2.owned()];
    // Settle: the group is Stable and s2 has had its last callback.
    await sleep(2 * HEARTBEAT_MS);
    const rebalancesBefore = rebalancesLogged('static-g').length;
    const noRebalance = (other: Member, otherFrom: number, owned: number[]): void => {
      assert.deepEqual(other.rebalances(otherFrom), [], `${other.name} saw a rebalance\n${other.describe()}`);
      assert.deepEqual(other.owned(), owned);
      assert.deepEqual(rebalancesLogged('static-g').slice(rebalancesBefore), [], 'the broker rebalanced the group');
    };

    // Restart the leader s1 with close(): librdkafka sends no LeaveGroup for a static member.
    let s2From = s2.events.length;
    await s1.close();
    const closedAt = Date.now();
    const s1b = start('s1b', 's1');
    await until('the restarted s1 to get its partitions', () => s1b.owned().length > 0, () => s1b.describe());
    assert.ok(Date.now() - closedAt < 6000, 'rejoined within the session timeout');
    assert.deepEqual(s1b.owned(), old1, 'the restarted member has its old partitions');
    assert.equal(broker.logLines.filter((l) => /^group static-g: static member s1 rejoined as \S+, replacing \S+ \(Stable\)$/.test(l)).length, 1);
    await sleep(QUIET_MS);
    noRebalance(s2, s2From, old2);
    assert.deepEqual(await s1b.request<number[]>({ op: 'assignment' }), old1);

    // A second live s1: it takes the slot, and the one running is fenced at its next heartbeat.
    s2From = s2.events.length;
    const s1c = start('s1c', 's1');
    await until('the duplicate s1 to get the partitions', () => s1c.owned().length > 0, () => s1c.describe());
    assert.deepEqual(s1c.owned(), old1);
    // librdkafka makes FENCED_INSTANCE_ID a fatal error (_FATAL, with the broker's error as its cause).
    await until('s1b to be fenced', () => s1b.errors().some(isFenced), () => `${s1b.describe()}\n${broker.logLines.join('\n')}`);
    assert.deepEqual(s1b.errors().filter((e) => !isFenced(e)), [], s1b.describe());
    await sleep(QUIET_MS);
    noRebalance(s2, s2From, old2);

    // Restart s2 the hard way: the process is killed.
    const s1cFrom = s1c.events.length;
    await s2.kill();
    const diedAt = Date.now();
    const s2b = start('s2b', 's2');
    await until('the restarted s2 to get its partitions', () => s2b.owned().length > 0, () => s2b.describe());
    assert.ok(Date.now() - diedAt < 6000, 'rejoined within the session timeout');
    assert.deepEqual(s2b.owned(), old2);
    await sleep(QUIET_MS);
    noRebalance(s1c, s1cFrom, old1);
    for (const m of [s1c, s2, s2b]) assert.deepEqual(m.errors(), [], m.describe());
  } finally {
    await Promise.all(started.map((m) => m.exit()));
  }
});

test('commits after each batch: a restarted consumer resumes after the last commit; lag is produced − committed', { timeout: 40_000 }, async () => {
  const PER_PARTITION = 20;
  const FIRST_RUN = 25;
  const produced = await kafkaTool<{ deliveries: { error: unknown; partition: number; offset: number }[]; unflushed: number }>({
    op: 'produce', bootstrap: broker.bootstrap,
    messages: Array.from({ length: 3 * PER_PARTITION }, (_, i) => ({ topic: 'lag', partition: i % 3, value: Buffer.from(`v${i}`).toString('hex') })),
  });
  assert.equal(produced.unflushed, 0);
  assert.ok(produced.deliveries.every((d) => d.error === null));

  type Lag = Record<string, { low: number; high: number; committed: number }>;
  const config = memberConfig('lag-g');

  // First run: batches of at most 7, a synchronous commit after each, stop after 25 records.
  const first = new Member('first', 'lag', config, { batch: 7, commit: true, stop_after: FIRST_RUN });
  let lag1: Lag;
  try {
    await until('the first 25 records, committed', () => {
      const last = first.events.at(-1);
      return first.records().length === FIRST_RUN && last?.event === 'commit';
    });
    assert.deepEqual(first.errors(), [], first.describe());
    // Each commit carries, for each partition of its batch, the offset right after the batch's last record there.
    const lastSeen = new Map<number, number>();
    for (let i = 0; i < first.events.length; i++) {
      const e = first.events[i]!;
      if (e.event !== 'batch') continue;
      for (const [p, o] of e.records) lastSeen.set(p, o);
      const commit = first.events[i + 1];
      assert.equal(commit?.event, 'commit', 'a commit follows each batch');
      if (commit?.event !== 'commit') continue;
      assert.equal(commit.error, null);
      for (const [p] of e.records) assert.ok(commit.offsets.some(([cp, co]) => cp === p && co === lastSeen.get(p)! + 1), JSON.stringify(commit));
    }
    lag1 = await first.request<Lag>({ op: 'lag', partitions: [0, 1, 2] });
    await first.close();
  } finally {
    await first.exit();
  }

  const consumedFirst = first.records();
  const committed = new Map<number, number>();
  let totalLag = 0;
  for (const p of [0, 1, 2]) {
    const { low, high, committed: c } = lag1[String(p)]!;
    assert.equal(low, 0);
    assert.equal(high, PER_PARTITION, `log end of partition ${p}`);
    const read = consumedFirst.filter(([rp]) => rp === p).map(([, o]) => o);
    // Read in order from the start; committed right after the last one (librdkafka's OFFSET_INVALID, -1001, when none).
    assert.deepEqual(read, read.map((_, i) => i));
    assert.equal(c, read.length > 0 ? read.length : -1001, `committed offset of partition ${p}`);
    committed.set(p, Math.max(c, 0));
    totalLag += high - Math.max(c, 0);
  }
  assert.equal(totalLag, 3 * PER_PARTITION - FIRST_RUN, 'lag = produced − committed');

  // Second run, same group: it resumes exactly at the committed offsets and reads the rest once.
  const second = new Member('second', 'lag', config, { batch: 7, commit: true });
  try {
    await until('the remaining 35 records', () => second.records().length >= 3 * PER_PARTITION - FIRST_RUN);
    await until('the last commit', () => second.events.at(-1)?.event === 'commit');
    const consumedSecond = second.records();
    for (const p of [0, 1, 2]) {
      const read = consumedSecond.filter(([rp]) => rp === p).map(([, o]) => o);
      const from = committed.get(p)!;
      assert.deepEqual(read, Array.from({ length: PER_PARTITION - from }, (_, i) => from + i), `partition ${p} resumed at ${from}`);
    }
    const lag2 = await second.request<Lag>({ op: 'lag', partitions: [0, 1, 2] });
    for (const p of [0, 1, 2]) assert.deepEqual(lag2[String(p)], { low: 0, high: PER_PARTITION, committed: PER_PARTITION });
    assert.equal(second.records().length, 3 * PER_PARTITION - FIRST_RUN, 'nothing read twice');
    assert.deepEqual(second.errors(), [], second.describe());
  } finally {
    await second.exit();
  }
});
