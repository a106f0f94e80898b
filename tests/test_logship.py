"""The log shipper: labels from JSON lines, Loki's push body, shipping to the sinks' Loki-compatible
receiver, and a bounded buffer that drops the oldest lines (counted) while the target is down."""

from __future__ import annotations

import json
import threading

import requests

from monsuite.logship.shipper import Shipper, parse, push_body
from monsuite.sinks.client import SinkClient
from monsuite.waits import wait_until


def test_labels_come_from_the_json_fields():
    line = parse('{"level":"ERROR","service":"api","tenant_id":"acme","message":"x"}', 1.5, {"job": "j"})
    assert line.labels == {"job": "j", "level": "error", "service": "api", "tenant": "acme"}
    assert line.timestamp_ns == 1_500_000_000
    assert parse("plain text", 2.0, {"job": "j"}).labels == {"job": "j"}


def test_the_push_body_groups_lines_by_stream():
    lines = [parse('{"level":"INFO"}', 1, {}), parse('{"level":"ERROR"}', 2, {}), parse('{"level":"INFO"}', 3, {})]
    body = push_body(lines)
    assert sorted((s["stream"]["level"], len(s["values"])) for s in body["streams"]) == [("error", 1), ("info", 2)]
    assert body["streams"][0]["values"][0] == ["1000000000", '{"level":"INFO"}']


def test_lines_are_shipped_to_the_receiver_in_order(sink_server, tmp_path):
    log = tmp_path / "app.log"
    log.write_text("")
    shipper = Shipper(str(log), f"{sink_server.url}/loki/api/v1/push", {"job": "unit"})
    threads = [threading.Thread(target=shipper.follow, daemon=True), threading.Thread(target=shipper.push_forever, daemon=True)]
    for thread in threads:
        thread.start()
    try:
        with log.open("a") as handle:
            for index in range(50):
                handle.write(json.dumps({"level": "INFO", "service": "unit-svc", "seq": index}) + "\n")
                handle.flush()
        lines = wait_until(lambda: SinkClient(sink_server.url).log_lines(job="unit"), accept=lambda found: len(found) == 50,
                           timeout=20, what="50 shipped lines")
    finally:
        shipper.stop()
    assert [json.loads(line["line"])["seq"] for line in lines] == list(range(50))
    assert all(line["labels"] == {"job": "unit", "level": "info", "service": "unit-svc"} for line in lines)


def test_a_down_target_keeps_the_newest_lines_within_the_bound(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("")
    shipper = Shipper(str(log), "http://127.0.0.1:1/loki/api/v1/push", {}, max_buffered=10)
    with log.open("a") as handle:
        handle.write("".join(f'{{"seq": {i}}}\n' for i in range(25)))
    shipper._stop.set()  # retries end at once; the batch goes back to the buffer
    chunk = shipper._read()
    for raw in chunk.split(b"\n"):
        if raw:
            shipper._add(parse(raw.decode(), 0, {}))
    assert shipper.push_once() == 0
    assert [json.loads(line.text)["seq"] for line in shipper.buffer] == list(range(15, 25))
    assert shipper.metrics.dropped._value.get() == 15


def test_the_receiver_refuses_what_is_not_a_push_body(sink_server):
    for body in ({"streams": "x"}, {"streams": [{"stream": {}, "values": [["not-ns", "line"]]}]}):
        answer = requests.post(f"{sink_server.url}/loki/api/v1/push", json=body, timeout=5)
        assert answer.status_code == 400 and "Loki" in answer.json()["error"]


def test_the_canary_counts_latency_missing_and_duplicates(sink_server):
    from monsuite.logship.canary import run_canary, sink_reader

    sinks = SinkClient(sink_server.url)
    report = run_canary(f"{sink_server.url}/loki/api/v1/push", sink_reader(sinks), lines=40, interval_s=0.002)
    assert (report.sent, report.received, report.missing, report.duplicates) == (40, 40, [], [])
    assert 0 <= report.latency_ms["p50"] <= report.latency_ms["p95"] <= report.latency_ms["max"]

    def doubled(canary):  # a reader that sees every line twice, and never line 0
        lines = [line for line in sink_reader(sinks)(canary) if json.loads(line)["seq"] != 0]
        return lines + lines

    report = run_canary(f"{sink_server.url}/loki/api/v1/push", doubled, lines=10, interval_s=0.002, settle_s=1)
    assert report.missing == [0] and report.duplicates == list(range(1, 10))
