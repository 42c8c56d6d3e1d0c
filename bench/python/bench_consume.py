"""Child process of bench/broker.bench.ts: a confluent-kafka (librdkafka) consumer
without a group (assign()), reading every partition of TOPIC from the beginning.

  throughput BOOTSTRAP TOPIC PARTITIONS COUNT [KEY=VALUE...]
                                                read COUNT records (extra librdkafka settings
                                                after COUNT); print one JSON line with
                                                records, bytes, seconds (from assign()) and the
                                                times of the first and last batch received.
  latency BOOTSTRAP TOPIC PARTITIONS COUNT      print "ready" once the warm-up record written
                                                before it started has arrived, then read COUNT
                                                records whose values start with the send time
                                                (time.time_ns()) and print p50/p99/max of
                                                receive time - send time.

Run with /usr/bin/python3 (Debian's python3-confluent-kafka).
"""
import json
import sys
import time

from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING

IDLE_GIVE_UP_S = 10.0


def consumer(bootstrap, extra):
    config = {
        'bootstrap.servers': bootstrap,
        'group.id': 'samsa-bench-unused',  # required by the client; no group calls are made with assign()
        'enable.auto.commit': False,
        'enable.auto.offset.store': False,
        'auto.offset.reset': 'earliest',
    }
    config.update(extra)
    return Consumer(config)


def throughput(bootstrap, topic, partitions, count, extra):
    c = consumer(bootstrap, extra)
    start = time.perf_counter()
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    records = 0
    size = 0
    first = None
    last = time.perf_counter()
    while records < count:
        msgs = c.consume(num_messages=10000, timeout=0.5)
        now = time.perf_counter()
        if not msgs:
            if now - last > IDLE_GIVE_UP_S:
                break
            continue
        if first is None:
            # Time from here on; the records of this first batch are not counted in the rate.
            first = now
            first_count = len(msgs)
        last = now
        for m in msgs:
            if m.error() is None:
                records += 1
                size += len(m)
    seconds = time.perf_counter() - start
    c.close()
    print(json.dumps({'records': records, 'bytes': size, 'seconds': seconds,
                      'firstRecordS': (first or start) - start, 'lastRecordS': last - start,
                      'firstBatch': first_count if first is not None else 0}))


def requests_sent(stats_json):
    """Requests sent to real brokers, from a librdkafka statistics JSON."""
    if stats_json is None:
        return None
    stats = json.loads(stats_json)
    return sum(b.get('tx', 0) for b in stats.get('brokers', {}).values() if b.get('nodeid', -1) >= 0)


def latency(bootstrap, topic, partitions, count):
    stats = [None]

    def on_stats(s):
        stats[0] = s

    c = consumer(bootstrap, {'fetch.wait.max.ms': 5, 'fetch.min.bytes': 1, 'statistics.interval.ms': 100, 'stats_cb': on_stats})
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    ready = False
    requests_before = None
    lat = []
    last = time.perf_counter()
    poll = c.poll
    while len(lat) < count:
        # poll(): one record as soon as there is one (consume(n, timeout) would wait for n or the timeout).
        m = poll(0.1)
        now = time.perf_counter()
        if m is None:
            if ready and now - last > IDLE_GIVE_UP_S:
                break
            continue
        now_ns = time.time_ns()
        last = now
        if m.error() is not None:
            continue
        v = m.value()
        if not ready:
            ready = True
            requests_before = requests_sent(stats[0])
            print('ready', flush=True)
            continue
        sp = v.find(b' ')
        if sp <= 0:
            continue  # the producer's own warm-up record
        lat.append((now_ns - int(v[:sp])) / 1e6)
    c.poll(0.25)
    after = requests_sent(stats[0])
    requests = None if after is None or requests_before is None else after - requests_before
    c.close()
    lat.sort()
    n = len(lat)
    pick = lambda q: lat[min(n - 1, int(q * n))] if n else None
    print(json.dumps({'records': n, 'p50_ms': pick(0.50), 'p90_ms': pick(0.90), 'p99_ms': pick(0.99),
                      'p999_ms': pick(0.999), 'max_ms': lat[-1] if n else None,
                      'requests': requests}))


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == 'throughput':
        throughput(args[0], args[1], int(args[2]), int(args[3]), dict(a.split('=', 1) for a in args[4:]))
    elif mode == 'latency':
        latency(args[0], args[1], int(args[2]), int(args[3]))
    else:
        sys.exit('usage: bench_consume.py throughput|latency ...')


main()
