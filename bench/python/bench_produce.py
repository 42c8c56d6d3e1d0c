"""Child process of bench/broker.bench.ts: a confluent-kafka (librdkafka) producer.

  throughput BOOTSTRAP TOPIC COUNT SIZE ACKS   send COUNT records of SIZE bytes as fast as
                                               librdkafka takes them; print one JSON line.
  rate BOOTSTRAP TOPIC RATE SECONDS SIZE ACKS  send RATE records/s for SECONDS, each value
                                               starting with the send time (time.time_ns()).

Run with /usr/bin/python3 (Debian's python3-confluent-kafka). Keyless records, so
librdkafka's sticky partitioner spreads batches over the topic's partitions.
"""
import json
import sys
import time

from confluent_kafka import Producer


def requests_sent(stats_json):
    """Requests sent to real brokers, from a librdkafka statistics JSON."""
    if stats_json is None:
        return None
    stats = json.loads(stats_json)
    return sum(b.get('tx', 0) for b in stats.get('brokers', {}).values() if b.get('nodeid', -1) >= 0)


def producer(bootstrap, acks, linger_ms, extra=None):
    config = {
        'bootstrap.servers': bootstrap,
        'acks': acks,
        'linger.ms': linger_ms,
        'batch.num.messages': 10000,
        'batch.size': 1000000,
        'queue.buffering.max.messages': 1000000,
        'queue.buffering.max.kbytes': 1048576,
        'compression.type': 'none',
    }
    config.update(extra or {})
    return Producer(config)


def throughput(bootstrap, topic, count, size, acks):
    p = producer(bootstrap, acks, 5)
    errors = [0]

    def report(err, _msg):
        if err is not None:
            errors[0] += 1

    # Warm up: metadata for the topic and the connection to the leader(s).
    p.produce(topic, b'w' * size, on_delivery=report)
    p.flush(30)
    value = b'x' * size
    produce = p.produce
    start = time.perf_counter()
    for _ in range(count):
        while True:
            try:
                produce(topic, value, on_delivery=report)
                break
            except BufferError:
                p.poll(0.0005)
    remaining = p.flush(120)
    seconds = time.perf_counter() - start
    print(json.dumps({'records': count + 1, 'timedRecords': count, 'seconds': seconds,
                      'errors': errors[0], 'undelivered': remaining}))


def rate(bootstrap, topic, per_second, seconds, size, acks):
    stats = [None]

    def on_stats(s):
        stats[0] = s

    p = producer(bootstrap, acks, 0, {'statistics.interval.ms': 100, 'stats_cb': on_stats})
    errors = [0]

    def report(err, _msg):
        if err is not None:
            errors[0] += 1

    p.produce(topic, b'warmup', on_delivery=report)
    p.flush(30)
    p.poll(0.25)
    requests_before = requests_sent(stats[0])
    total = int(per_second * seconds)
    sent = 0
    start = time.perf_counter()
    while sent < total:
        due = min(total, int((time.perf_counter() - start) * per_second) + 1)
        while sent < due:
            stamp = b'%d ' % time.time_ns()
            p.produce(topic, stamp + b'x' * (size - len(stamp)), on_delivery=report)
            sent += 1
        p.poll(0)
        time.sleep(0.0002)
    elapsed = time.perf_counter() - start
    remaining = p.flush(30)
    p.poll(0.25)
    after = requests_sent(stats[0])
    requests = None if after is None or requests_before is None else after - requests_before
    print(json.dumps({'sent': sent, 'seconds': elapsed, 'errors': errors[0], 'undelivered': remaining, 'requests': requests}))


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == 'throughput':
        throughput(args[0], args[1], int(args[2]), int(args[3]), args[4])
    elif mode == 'rate':
        rate(args[0], args[1], float(args[2]), float(args[3]), int(args[4]), args[5])
    else:
        sys.exit('usage: bench_produce.py throughput|rate ...')


main()
