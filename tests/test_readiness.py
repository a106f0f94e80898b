"""What `stack up` waits for: the metrics a stack's rules and dashboards read, and the dashboards' steps."""

from __future__ import annotations

from pathlib import Path

from monsuite.manifest import load_manifest
from monsuite.readiness import Expectations, _exposed, expectations, not_ready
from monsuite.rules.model import expand

DEFAULT = Path(__file__).resolve().parent.parent / "stacks" / "default"


def test_the_default_stack_expects_what_its_rules_and_dashboards_select():
    manifest = load_manifest(DEFAULT)
    wanted = expectations(expand(DEFAULT, list(manifest.rule_files)), sorted((DEFAULT / "dashboards").glob("*.json")), 250)
    assert {"pg_database_size_bytes", "redis_key_size", "windmill_executions_total", "up"} <= wanted.metrics
    assert not {"ALERTS", "api:request_rate:1m"} & wanted.metrics  # written by Prometheus, not scraped
    assert {title for title, _ in wanted.dashboard_steps} == {"Windmill Platform Overview", "Windmill Production"}
    assert all(step >= 0.25 for _, step in wanted.dashboard_steps)


def test_a_sample_counts_as_exposed_by_its_family():
    families = {"http_request_duration_seconds", "http_requests_total", "up"}
    assert _exposed("http_request_duration_seconds_bucket", families)
    assert _exposed("http_requests_total", families) and _exposed("up", families)
    assert not _exposed("node_cpu_seconds_total", families)


class RecordedPrometheus:
    """Answers as Prometheus' /api/v1/metadata and /api/v1/query do, from recorded values."""

    def __init__(self, families, present, scrapes):
        self.families, self.present, self.scrapes = families, present, scrapes

    def metadata_names(self):
        return list(self.families)

    def query_at(self, expr, at):
        if expr.startswith("count by (__name__)"):
            return [{"metric": {"__name__": name}, "value": [at, "1"]} for name in self.present]
        return [{"metric": {"job": job, "instance": "i"}, "values": [[t, "1"] for t in times]}
                for job, times in self.scrapes.items()]


def test_not_ready_names_missing_series_and_targets_scraped_once():
    wanted = Expectations(frozenset({"a_total", "b", "only_under_a_fault"}), ())
    prometheus = RecordedPrometheus({"a", "b"}, {"a_total"}, {"api": [1.0], "db": [1.0, 2.0]})
    waiting = not_ready(prometheus, wanted, since=0.0)
    assert waiting == ["no series yet for b", "scraped fewer than twice: api/i"]


def test_ready_once_dashboards_last_aligned_step_is_past_the_second_scrape():
    import time

    now = time.time()
    prometheus = RecordedPrometheus({"a"}, {"a"}, {"api": [now - 30, now - 29]})
    assert not_ready(prometheus, Expectations(frozenset({"a"}), (("Overview", 10.0),)), since=now - 31) == []
    late = RecordedPrometheus({"a"}, {"a"}, {"api": [now - 1.0, now - 0.5]})
    waiting = not_ready(late, Expectations(frozenset({"a"}), (("Overview", 3600.0),)), since=now - 2)
    assert waiting and "Overview" in waiting[0]
