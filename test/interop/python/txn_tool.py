"""
confluent-kafka (librdkafka) transactions driven by the interop tests: one
JSON command on stdin, JSON lines on stdout (the last line is the answer).
Values travel as text. Run with /usr/bin/python3 (Debian's
python3-confluent-kafka).
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def err(e):
    if e is None:
        return None
    if isinstance(e, KafkaException):
        e = e.args[0]
    if isinstance(e, KafkaError):
        return {"code": e.code(), "name": e.name(), "str": e.str(), "fatal": e.fatal(), "abortable": e.txn_requires_abort()}
    return {"code": None, "name": type(e).__name__, "str": str(e)}


def producer(cmd, txn_id):
    conf = {"bootstrap.servers": cmd["bootstrap"], "broker.address.family": "v4", "transactional.id": txn_id, "linger.ms": 5}
    conf.update(cmd.get("config", {}))
    return Producer(conf)


def produce_all(p, records):
    for r in records:
        kwargs = {"value": r["value"]}
        if r.get("key") is not None:
            kwargs["key"] = r["key"]
        if r.get("partition") is not None:
            kwargs["partition"] = r["partition"]
        p.produce(r["topic"], **kwargs)
    p.flush(30)


def transactions(cmd):
    """Runs each transaction in turn (commit or abort); with "hold", leaves the last one open until a line arrives on stdin."""
    p = producer(cmd, cmd["transactional_id"])
    p.init_transactions(30)
    results = []
    for t in cmd["transactions"]:
        p.begin_transaction()
        produce_all(p, t["records"])
        if t.get("hold"):
            out({"open": True})
            line = sys.stdin.readline().strip()
            t["commit"] = line == "commit"
        try:
            if t["commit"]:
                p.commit_transaction(30)
            else:
                p.abort_transaction(30)
            results.append(None)
        except KafkaException as e:  # reported to the test
            results.append(err(e))
    return {"results": results}


def fence(cmd):
    """Two producers with one transactional id: the second's init fences the first, whose next commit must fail."""
    first = producer(cmd, cmd["transactional_id"])
    first.init_transactions(30)
    first.begin_transaction()
    produce_all(first, cmd["zombie_records"])
    second = producer(cmd, cmd["transactional_id"])
    second.init_transactions(30)
    zombie = None
    try:
        produce_all(first, cmd["zombie_records"])
        first.commit_transaction(30)
    except KafkaException as e:
        zombie = err(e)
    second.begin_transaction()
    produce_all(second, cmd["records"])
    second.commit_transaction(30)
    return {"zombie": zombie}


def consume(cmd):
    """Reads the given partitions from the beginning to their end as the isolation level allows."""
    conf = {"bootstrap.servers": cmd["bootstrap"], "broker.address.family": "v4", "group.id": "txn-tool-reader",
            "enable.auto.commit": False, "enable.partition.eof": True,
            "isolation.level": cmd.get("isolation", "read_committed")}
    c = Consumer(conf)
    parts = [TopicPartition(t, p, 0) for t, p in cmd["partitions"]]
    c.assign(parts)
    eof = set()
    records = []
    deadline = time.time() + cmd.get("timeout", 20)
    while len(eof) < len(parts) and time.time() < deadline:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                eof.add((m.topic(), m.partition()))
                continue
            raise KafkaException(m.error())
        eof.discard((m.topic(), m.partition()))
        records.append({"topic": m.topic(), "partition": m.partition(), "offset": m.offset(), "value": m.value().decode()})
    c.close()
    return {"records": records, "complete": len(eof) == len(parts)}


def transform(cmd):
    """Consume-transform-produce: each input record becomes one upper-cased output record, committed with its offset in one transaction."""
    c = Consumer({"bootstrap.servers": cmd["bootstrap"], "broker.address.family": "v4", "group.id": cmd["group"],
                  "enable.auto.commit": False, "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    c.subscribe([cmd["input"]])
    p = producer(cmd, cmd["transactional_id"])
    p.init_transactions(30)
    done = 0
    rounds = 0
    deadline = time.time() + cmd.get("timeout", 30)
    while done < cmd["count"] and time.time() < deadline:
        msgs = c.consume(num_messages=cmd.get("batch", 10), timeout=0.5)
        msgs = [m for m in msgs if m.error() is None]
        if not msgs:
            continue
        p.begin_transaction()
        for m in msgs:
            p.produce(cmd["output"], value=m.value().decode().upper())
        p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
        rounds += 1
        if cmd.get("abort_every") and rounds % cmd["abort_every"] == 0:
            p.abort_transaction(30)
            # Rewind to the committed offsets, as a consume-transform-produce loop does after an abort.
            committed = c.committed(c.assignment(), 10)
            for tp in committed:
                c.seek(TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else 0))
            continue
        p.commit_transaction(30)
        done += len(msgs)
    c.close()
    return {"done": done}


OPS = {"transactions": transactions, "fence": fence, "consume": consume, "transform": transform}

if __name__ == "__main__":
    command = json.loads(sys.stdin.readline())
    out(OPS[command["op"]](command))
