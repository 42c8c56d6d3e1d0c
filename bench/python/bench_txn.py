"""Child process of bench/transactions.bench.ts: a confluent-kafka (librdkafka) producer,
idempotent or transactional, sending COUNT records of SIZE bytes as fast as the broker takes
them. With EVERY > 0 the records go in transactions of EVERY records each, every one
committed. Prints one JSON line: records/s and the time in commits.

  BOOTSTRAP TOPIC COUNT SIZE EVERY

Run with /usr/bin/python3 (Debian's python3-confluent-kafka).
"""
import json
import sys
import time

from confluent_kafka import Producer


def main(bootstrap, topic, count, size, every):
    config = {
        'bootstrap.servers': bootstrap, 'acks': 'all', 'enable.idempotence': True, 'linger.ms': 5,
        'batch.num.messages': 10000, 'queue.buffering.max.messages': 1000000, 'queue.buffering.max.kbytes': 1048576,
    }
    if every > 0:
        config['transactional.id'] = 'bench-%d' % every
    p = Producer(config)
    if every > 0:
        p.init_transactions(30)
    value = b'x' * size
    errors = [0]

    def report(err, _msg):
        if err is not None:
            errors[0] += 1

    # Warm up: metadata, the leader's connection and (transactional) the coordinator.
    if every > 0:
        p.begin_transaction()
    p.produce(topic, value, on_delivery=report)
    if every > 0:
        p.commit_transaction(30)
    p.flush(30)
    commit_s = 0.0
    start = time.perf_counter()
    sent = 0
    while sent < count:
        n = every if every > 0 else count
        if every > 0:
            p.begin_transaction()
        for _ in range(n):
            while True:
                try:
                    p.produce(topic, value, on_delivery=report)
                    break
                except BufferError:
                    p.poll(0.001)
        sent += n
        if every > 0:
            t = time.perf_counter()
            p.commit_transaction(30)
            commit_s += time.perf_counter() - t
    p.flush(60)
    elapsed = time.perf_counter() - start
    print(json.dumps({'records': sent, 'seconds': elapsed, 'records_per_s': sent / elapsed, 'commit_seconds': commit_s,
                      'transactions': sent // every if every > 0 else 0, 'errors': errors[0]}))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
