"""
Client workloads for the fault-injection harness (test/faults/harness.ts),
driven by librdkafka through confluent-kafka. Run with /usr/bin/python3
(Debian's python3-confluent-kafka) inside the test's network namespace.

Protocol: the first line on stdin is one JSON command; every event goes to
stdout as one JSON line as it happens. The long-running operations
(`produce`, `group_consume`) stop when the line "stop" arrives on stdin;
end of input alone does not stop them (the harness keeps stdin open, and
the process dies with its parent through setpriv --pdeathsig). A producer
started with "start_on_go" connects and gets its producer id, then waits
for the line "go" before it sends anything.

Values are `<tag>-p<partition>-<seq>`, optionally followed by ':' and
padding; reports carry only the part before ':', so the checker can tell
every record apart and knows the order each producer sent them in.
"""
import json
import os
import sys
import threading
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

# Bounds on every wait in here; the harness bounds the process as a whole too.
METADATA_TIMEOUT_S = 5
QUERY_DEADLINE_S_MAX = 60
COMMIT_BATCH_MAX = 10000


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def now_ms():
    return int(time.time() * 1000)


def err(e):
    if e is None:
        return None
    if isinstance(e, KafkaException):
        e = e.args[0]
    if isinstance(e, KafkaError):
        return {"error": e.name(), "message": e.str(), "fatal": e.fatal()}
    return {"error": type(e).__name__, "message": str(e), "fatal": False}


def ident(raw):
    """The record's identity: its value up to the padding."""
    return raw.decode().split(":", 1)[0]


def control_events():
    """
    (stop, go): set when the harness writes "stop" or "go"; a reader thread, so
    the client loops never block on stdin.
    """
    stop, go = threading.Event(), threading.Event()

    def watch():
        for line in sys.stdin:
            word = line.strip()
            if word == "go":
                go.set()
            elif word == "stop":
                stop.set()
                return

    threading.Thread(target=watch, daemon=True).start()
    return stop, go


def base_config(cmd):
    conf = {"bootstrap.servers": cmd["bootstrap"], "broker.address.family": "v4"}
    conf.update(cmd.get("config", {}))
    return conf


def client_error_reporter(e):
    out({"ev": "client_error", "ms": now_ms(), **err(e)})


def stats_reporter(raw):
    """
    librdkafka's statistics, cut to what tests wait on: Produce requests sent
    per broker id (resends show there), request retries, and the idempotent
    producer's state ("Assigned" once it has its producer id).
    """
    stats = json.loads(raw)
    brokers = [b for b in stats.get("brokers", {}).values() if b.get("nodeid", -1) >= 0]
    out({"ev": "stats", "ms": now_ms(), "produce_requests": {str(b["nodeid"]): b.get("req", {}).get("Produce", 0) for b in brokers},
         "txretries": sum(b.get("txretries", 0) for b in brokers), "idemp_state": stats.get("eos", {}).get("idemp_state")})


def metadata(cmd):
    admin = AdminClient(base_config(cmd))
    md = admin.list_topics(timeout=cmd.get("timeout", METADATA_TIMEOUT_S))
    topics = {}
    for name, t in md.topics.items():
        topics[name] = {
            "error": err(t.error),
            "partitions": {
                str(p.id): {"leader": p.leader, "replicas": list(p.replicas), "isr": list(p.isrs), "error": err(p.error)}
                for p in t.partitions.values()
            },
        }
    out({"ev": "metadata", "controller": md.controller_id, "brokers": sorted(md.brokers.keys()), "topics": topics})


def create_topics(cmd):
    admin = AdminClient(base_config(cmd))
    new = [NewTopic(t["name"], t.get("partitions", 1), t.get("replication", 1), config=t.get("config", {})) for t in cmd["topics"]]
    results = {}
    for name, fut in admin.create_topics(new, operation_timeout=10, request_timeout=15).items():
        try:
            fut.result(timeout=20)
            results[name] = None
        except Exception as e:  # noqa: BLE001 - reported to the harness
            results[name] = err(e)
    out({"ev": "created", "results": results})


def produce(cmd):
    """
    Sends `<tag>-p<partition>-<seq>` round-robin over cmd["partitions"], `count`
    per partition (or until "stop"), at most `rate` per second, and reports
    every delivery: {"ev": "ack", offset} or {"ev": "fail", error}.
    """
    conf = base_config(cmd)
    conf["error_cb"] = client_error_reporter
    conf["stats_cb"] = stats_reporter
    conf.setdefault("statistics.interval.ms", 500)
    producer = Producer(conf)
    topic, tag, partitions = cmd["topic"], cmd["tag"], cmd["partitions"]
    count, rate = cmd.get("count"), cmd.get("rate", 0)
    padding = (":" + "x" * cmd["pad_bytes"]) if cmd.get("pad_bytes") else ""
    stop, go = control_events()

    def report(e, msg):
        record = {"v": ident(msg.value()), "p": msg.partition(), "ms": now_ms()}
        if e is None:
            out({"ev": "ack", "o": msg.offset(), **record})
        else:
            out({"ev": "fail", **err(e), **record})

    if cmd.get("start_on_go"):
        # Get the producer id (and metadata) now, send only when told: stats report idemp_state meanwhile.
        while not go.is_set() and not stop.is_set():
            producer.poll(0.1)
    seqs = {p: 0 for p in partitions}
    sent, started = 0, time.monotonic()
    total = None if count is None else count * len(partitions)
    while not stop.is_set() and (total is None or sent < total):
        p = partitions[sent % len(partitions)]
        value = "%s-p%d-%d%s" % (tag, p, seqs[p], padding)
        try:
            producer.produce(topic, value=value.encode(), partition=p, on_delivery=report)
        except BufferError:
            producer.poll(0.05)
            continue
        except KafkaException as e:
            # A fatal error (e.g. OUT_OF_ORDER_SEQUENCE_NUMBER) refuses every later send: report it, then let flush
            # report what happens to the records still queued.
            out({"ev": "client_error", "ms": now_ms(), **err(e)})
            break
        seqs[p] += 1
        sent += 1
        producer.poll(0)
        if rate:
            wait = started + sent / rate - time.monotonic()
            if wait > 0:
                producer.poll(wait)
    out({"ev": "sent", "ms": now_ms(), "counts": {str(p): n for p, n in seqs.items()}})
    left = producer.flush(cmd.get("flush_timeout", 30))
    out({"ev": "done", "ms": now_ms(), "unflushed": left})


def txn_produce(cmd):
    """
    A transactional producer running transactions until "stop". Transaction k
    writes `per_txn` records `<tag>t<k>-p<partition>-<i>` round-robin over the
    partitions and is aborted when k % 3 == 2 (or always, with "abort"),
    committed otherwise; with "count", it stops after that many. With
    "hold_before_end", each transaction's records are flushed and
    {"ev": "held"} reported, then it waits for "go" before ending it. Each
    transaction ends with one event: {"ev": "txn", "k", "outcome", "values"},
    outcome "committed" or "aborted" when the coordinator confirmed it,
    "unknown" when the client could not tell (it then starts a new producer
    instance, whose init fences the old one and ends its transaction).
    """
    conf = base_config(cmd)
    conf["error_cb"] = client_error_reporter
    conf["transactional.id"] = cmd["transactional_id"]
    topic, tag, partitions, per_txn = cmd["topic"], cmd["tag"], cmd["partitions"], cmd.get("per_txn", 6)
    stop, go = control_events()
    timeout_s = cmd.get("op_timeout_s", 30)
    count = cmd.get("count")

    def fresh():
        while not stop.is_set():
            p = Producer(conf)
            try:
                p.init_transactions(timeout_s)
                return p
            except KafkaException as e:
                out({"ev": "init_error", "ms": now_ms(), **err(e)})
        return None

    def finish(p, commit):
        """Commits or aborts; retriable errors are retried, as the client's API asks."""
        for _ in range(10):
            try:
                if commit:
                    p.commit_transaction(timeout_s)
                else:
                    p.abort_transaction(timeout_s)
                return "committed" if commit else "aborted"
            except KafkaException as e:
                ke = e.args[0]
                out({"ev": "end_error", "ms": now_ms(), "commit": commit, **err(e)})
                if ke.txn_requires_abort() and commit:
                    commit = False
                    continue
                if not ke.retriable():
                    return "unknown"
        return "unknown"

    producer = fresh()
    k = 0
    while producer is not None and not stop.is_set() and (count is None or k < count):
        values = ["%st%d-p%d-%d" % (tag, k, partitions[i % len(partitions)], i) for i in range(per_txn)]
        outcome = "unknown"
        try:
            producer.begin_transaction()
            for i, v in enumerate(values):
                producer.produce(topic, value=v.encode(), partition=partitions[i % len(partitions)])
            producer.poll(0)
            if cmd.get("hold_before_end"):
                producer.flush(timeout_s)
                out({"ev": "held", "ms": now_ms(), "k": k})
                while not go.is_set() and not stop.is_set():
                    producer.poll(0.1)
            outcome = finish(producer, not cmd.get("abort") and k % 3 != 2)
        except KafkaException as e:
            out({"ev": "txn_error", "ms": now_ms(), "k": k, **err(e)})
            if e.args[0].txn_requires_abort():
                outcome = finish(producer, False)
        out({"ev": "txn", "ms": now_ms(), "k": k, "outcome": outcome, "values": values})
        k += 1
        if outcome == "unknown":
            producer = fresh()
    out({"ev": "done", "ms": now_ms(), "transactions": k})


def watermarks(consumer, topic, partitions, deadline):
    """High watermarks, retried while leaders move; None for a partition that never answered."""
    highs = {}
    while time.time() < deadline and len(highs) < len(partitions):
        for p in partitions:
            if p in highs:
                continue
            try:
                highs[p] = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=METADATA_TIMEOUT_S)[1]
            except KafkaException:
                time.sleep(0.2)
    return highs


def read_all(cmd):
    """Reads every partition from the beginning to its high watermark, as one answer: [[partition, offset, value], ...]."""
    conf = base_config(cmd)
    conf.update({"group.id": "samsa-faults-reader", "enable.auto.commit": False, "enable.auto.offset.store": False,
                 "fetch.wait.max.ms": 100, "enable.partition.eof": True,
                 "isolation.level": cmd.get("isolation", "read_committed")})
    consumer = Consumer(conf)
    topic, partitions = cmd["topic"], cmd["partitions"]
    deadline = time.time() + min(cmd.get("timeout", 30), QUERY_DEADLINE_S_MAX)
    highs = watermarks(consumer, topic, partitions, deadline)
    pending = {p for p, h in highs.items() if h > 0}
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in pending])
    records, errors = [], []
    while pending and time.time() < deadline:
        m = consumer.poll(0.2)
        if m is None:
            continue
        if m.error():
            # read_committed ends at the last stable offset, often right after a marker no record reports: the end is EOF.
            if m.error().code() == KafkaError._PARTITION_EOF:
                if m.offset() >= highs[m.partition()]:
                    pending.discard(m.partition())
                continue
            errors.append(err(m.error()))
            continue
        records.append([m.partition(), m.offset(), ident(m.value())])
        if m.offset() + 1 >= highs[m.partition()]:
            pending.discard(m.partition())
    missing = [p for p in partitions if p not in highs]
    out({"ev": "read", "records": records, "high": {str(p): h for p, h in highs.items()},
         "unfinished": sorted(pending | set(missing)), "errors": errors[:20]})


def group_consume(cmd):
    """
    A classic group member with manual synchronous commits every `commit_every`
    records; reports each commit the coordinator acknowledged, per partition,
    and each that failed.
    """
    conf = base_config(cmd)
    conf.update({"group.id": cmd["group"], "enable.auto.commit": False, "auto.offset.reset": "earliest",
                 "session.timeout.ms": 6000, "heartbeat.interval.ms": 500, "fetch.wait.max.ms": 100,
                 "error_cb": client_error_reporter})
    conf.update(cmd.get("config", {}))
    consumer = Consumer(conf)
    topic, every, rate = cmd["topic"], cmd.get("commit_every", 10), cmd.get("max_rate", 0)
    stop, _go = control_events()
    positions, since, consumed, started = {}, 0, 0, time.monotonic()

    def assigned(_c, parts):
        out({"ev": "assigned", "ms": now_ms(), "partitions": [tp.partition for tp in parts]})

    def revoked(_c, parts):
        out({"ev": "revoked", "ms": now_ms(), "partitions": [tp.partition for tp in parts]})
        positions.clear()

    consumer.subscribe([topic], on_assign=assigned, on_revoke=revoked)
    while not stop.is_set():
        m = consumer.poll(0.1)
        if m is not None and m.error():
            out({"ev": "consume_error", "ms": now_ms(), **err(m.error())})
        elif m is not None:
            positions[m.partition()] = m.offset() + 1
            since += 1
            consumed += 1
        if since >= every or (since > 0 and m is None):
            commit(consumer, topic, positions)
            since = 0
        if rate and consumed:
            wait = started + consumed / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
    # No close(): leaving the group would wait on a coordinator that may be unreachable.
    out({"ev": "done", "ms": now_ms(), "consumed": consumed})


def commit(consumer, topic, positions):
    offsets = [TopicPartition(topic, p, o) for p, o in list(positions.items())[:COMMIT_BATCH_MAX]]
    asked = now_ms()
    try:
        answered = consumer.commit(offsets=offsets, asynchronous=False)
    except KafkaException as e:
        out({"ev": "commit_fail", "ms": now_ms(), "asked_ms": asked, "offsets": {str(tp.partition): tp.offset for tp in offsets}, **err(e)})
        return
    for tp in answered:
        if tp.error is None:
            out({"ev": "commit", "ms": now_ms(), "asked_ms": asked, "p": tp.partition, "o": tp.offset})
        else:
            out({"ev": "commit_fail", "ms": now_ms(), "asked_ms": asked, "offsets": {str(tp.partition): tp.offset}, **err(tp.error)})


def committed(cmd):
    """The group's committed offsets, as the coordinator answers them now (retried while it moves)."""
    conf = base_config(cmd)
    conf.update({"group.id": cmd["group"], "enable.auto.commit": False})
    consumer = Consumer(conf)
    deadline = time.time() + min(cmd.get("timeout", 20), QUERY_DEADLINE_S_MAX)
    last = None
    while time.time() < deadline:
        try:
            parts = consumer.committed([TopicPartition(cmd["topic"], p) for p in cmd["partitions"]], timeout=METADATA_TIMEOUT_S)
        except KafkaException as e:
            last = err(e)
            time.sleep(0.2)
            continue
        failed = [tp for tp in parts if tp.error is not None]
        if not failed:
            out({"ev": "committed", "offsets": {str(tp.partition): tp.offset for tp in parts}})
            return
        last = err(failed[0].error)
        time.sleep(0.2)
    out({"ev": "committed", "offsets": None, **(last or {"error": "_TIMED_OUT", "message": "no answer", "fatal": False})})


OPS = {
    "metadata": metadata, "create_topics": create_topics, "produce": produce,
    "read_all": read_all, "group_consume": group_consume, "committed": committed, "txn_produce": txn_produce,
}

if __name__ == "__main__":
    command = json.loads(sys.stdin.readline())
    if command.get("stderr_file"):
        # librdkafka's debug output can be far too much to pipe back: straight to a file, from C as well.
        os.dup2(os.open(command["stderr_file"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 2)
    try:
        OPS[command["op"]](command)
    except KafkaException as e:
        out({"ev": "op_error", **err(e)})
    # Skip interpreter finalization: librdkafka handles may still be waiting on unreachable brokers.
    os._exit(0)
