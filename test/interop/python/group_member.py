"""
One confluent-kafka (librdkafka) consumer-group member, driven by the group
interop tests. The first line on stdin is a JSON setup; later lines are
commands. Everything the member sees is printed as one JSON line per event,
each with "t" (time.time_ns() when it happened, so events of several member
processes on this machine can be ordered):

  {"event": "ready"}                                    subscribed, polling
  {"event": "assign"|"revoke"|"lost", "partitions": [...], "t": ...}
      incremental in cooperative mode (the callbacks' own lists), whole in eager mode;
      "t" is taken before assigning and after unassigning, so that ownership
      intervals [assign.t, revoke.t] of different members can be compared
  {"event": "error", "code", "name", "str", "fatal"}      error_cb and error messages
  {"event": "batch", "records": [[partition, offset], ...]}
  {"event": "commit", "offsets": [[partition, offset], ...], "error": null}
  {"event": "reply", "op": ..., ...}                    the answer to a command
  {"event": "closed"} / {"event": "exiting"}

Setup: bootstrap, topic, config (librdkafka properties), and optionally
  batch       records per consume() call (default 10)
  commit      commit synchronously after every non-empty batch
  stop_after  stop consuming (poll only) once this many records were returned
  max_seconds the process ends itself after this long (default 40)

Commands: {"op": "assignment"}, {"op": "lag", "partitions": [...]} (committed()
and get_watermark_offsets() per partition), {"op": "close"} (consumer.close(),
then exit), {"op": "exit"} (leave at once without closing: no LeaveGroup).

Run with /usr/bin/python3, the interpreter that has Debian's python3-confluent-kafka.
"""
import json
import os
import queue
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


# Every error code librdkafka knows, to name the cause of a fatal error (below).
KNOWN_CODES = sorted({v for k, v in vars(KafkaError).items() if k.isupper() and isinstance(v, int) and v > 0})


def fatal_cause(reason):
    """
    confluent-kafka 1.7.0 hands error_cb a fatal error as _FATAL with the
    cause only in the text ("Fatal error: <err2str of the cause>: ..."):
    rd_kafka_fatal_error() is not exposed. Recover the cause's code from it.
    """
    for code in KNOWN_CODES:
        if ("Fatal error: %s:" % KafkaError(code).str()) in reason:
            return {"code": code, "name": KafkaError(code).name()}
    return None


def err(e):
    if isinstance(e, KafkaException):
        e = e.args[0]
    if isinstance(e, KafkaError):
        fatal = e.fatal() or e.code() == KafkaError._FATAL
        out = {"code": e.code(), "name": e.name(), "str": e.str(), "fatal": fatal}
        if e.code() == KafkaError._FATAL:
            out["cause"] = fatal_cause(e.str())
        return out
    return {"code": None, "name": type(e).__name__, "str": str(e), "fatal": False}


def parts(partitions):
    return sorted(p.partition for p in partitions)


def main():
    setup = json.loads(sys.stdin.readline())
    commands = queue.Queue()

    def read_commands():
        for line in sys.stdin:
            if line.strip():
                commands.put(json.loads(line))
        commands.put({"op": "exit"})  # stdin closed: the test is gone

    threading.Thread(target=read_commands, daemon=True).start()

    topic = setup["topic"]
    conf = {"bootstrap.servers": setup["bootstrap"], "broker.address.family": "v4"}
    conf.update(setup.get("config", {}))
    cooperative = conf.get("partition.assignment.strategy") == "cooperative-sticky"

    def on_error(e):
        out(dict(event="error", t=time.time_ns(), **err(e)))

    conf["error_cb"] = on_error
    consumer = Consumer(conf)

    def on_assign(c, partitions):
        out({"event": "assign", "partitions": parts(partitions), "t": time.time_ns()})
        if cooperative:
            c.incremental_assign(partitions)
        else:
            c.assign(partitions)

    def on_revoke(c, partitions):
        if cooperative:
            c.incremental_unassign(partitions)
        else:
            c.unassign()
        out({"event": "revoke", "partitions": parts(partitions), "t": time.time_ns()})

    def on_lost(c, partitions):
        if cooperative:
            c.incremental_unassign(partitions)
        else:
            c.unassign()
        out({"event": "lost", "partitions": parts(partitions), "t": time.time_ns()})

    consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)
    out({"event": "ready", "t": time.time_ns()})

    batch = setup.get("batch", 10)
    stop_after = setup.get("stop_after")
    consumed = 0
    deadline = time.time() + setup.get("max_seconds", 40)

    while time.time() < deadline:
        try:
            cmd = commands.get_nowait()
        except queue.Empty:
            cmd = None
        if cmd is not None:
            op = cmd["op"]
            if op == "exit":
                out({"event": "exiting", "t": time.time_ns()})
                os._exit(0)
            if op == "close":
                consumer.close()
                out({"event": "closed", "t": time.time_ns()})
                os._exit(0)
            if op == "assignment":
                out({"event": "reply", "op": op, "partitions": parts(consumer.assignment())})
            elif op == "lag":
                tps = [TopicPartition(topic, p) for p in cmd["partitions"]]
                committed = {tp.partition: tp.offset for tp in consumer.committed(tps, timeout=10)}
                lag = {}
                for p in cmd["partitions"]:
                    low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                    lag[str(p)] = {"low": low, "high": high, "committed": committed[p]}
                out({"event": "reply", "op": op, "partitions": lag})
            continue

        want = batch if stop_after is None else min(batch, stop_after - consumed)
        try:
            if want <= 0:
                # Done consuming: keep serving callbacks and heartbeats only.
                consumer.poll(0.1)
                continue
            msgs = consumer.consume(num_messages=want, timeout=0.1)
        except KafkaException as e:
            on_error(e)
            time.sleep(0.1)
            continue
        records = []
        for m in msgs:
            if m.error():
                on_error(m.error())
            else:
                records.append([m.partition(), m.offset()])
        if not records:
            continue
        consumed += len(records)
        out({"event": "batch", "records": records, "t": time.time_ns()})
        if setup.get("commit"):
            try:
                offsets = consumer.commit(asynchronous=False)
                out({"event": "commit", "offsets": sorted([tp.partition, tp.offset] for tp in offsets), "error": None})
            except KafkaException as e:
                out({"event": "commit", "offsets": [], "error": err(e)})

    out({"event": "timeout", "t": time.time_ns()})
    os._exit(3)


if __name__ == "__main__":
    main()
