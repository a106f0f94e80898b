from datetime import datetime, timezone

import pytest

from monsuite.alerts.timeline import alert_resolved_at, alertmanager_received_at, parse_time, visible_at
from monsuite.sinks.payloads import notification_status

AM_LOG = """\
ts=2026-11-25T13:13:44.175Z caller=dispatch.go:163 level=debug component=dispatcher msg="Received alert" alert=Other[a1b2c3d][active]
ts=2026-11-25T13:13:44.180Z caller=dispatch.go:163 level=debug component=dispatcher msg="Received alert" alert=ProbeFailed[a320797][resolved]
ts=2026-11-25T13:13:45.250Z caller=dispatch.go:163 level=debug component=dispatcher msg="Received alert" alert=ProbeFailed[a320797][active]
"""


def test_alertmanagers_receipt_time_is_read_from_its_own_log():
    since = datetime(2026, 11, 25, 13, 13, 44, tzinfo=timezone.utc).timestamp()
    at = alertmanager_received_at(AM_LOG, "ProbeFailed", since)
    assert at == pytest.approx(since + 1.25, abs=1e-6)
    assert alertmanager_received_at(AM_LOG, "ProbeFailed", since + 2) is None


def test_rfc3339_with_nanoseconds():
    assert parse_time("2026-11-25T13:05:01.123456789Z") == pytest.approx(
        datetime(2026, 11, 25, 13, 5, 1, 123456, tzinfo=timezone.utc).timestamp())


class RawSamples:
    """Prometheus's answer to `selector[window]`: raw samples with their own timestamps."""

    def __init__(self, series):
        self.series = series

    def query_at(self, expr, at):
        return [{"metric": labels, "values": [[t, str(v)] for t, v in samples]} for labels, samples in self.series]


def test_visible_is_the_first_scrape_after_the_fault_that_shows_it():
    prom = RawSamples([({"job": "api"}, [(99.8, 1), (100.05, 1), (100.30, 0), (100.55, 0)])])
    assert visible_at(prom, {"series": "up", "when": "== 0"}, 100.0, 101) == 100.30


def test_increases_counts_a_new_series_as_soon_as_it_appears():
    prom = RawSamples([({"status": "500"}, [(100.2, 1), (100.45, 3)]), ({"status": "200"}, [(99.9, 5), (100.2, 5), (100.45, 6)])])
    assert visible_at(prom, {"series": "x", "when": "increases"}, 100.0, 101) == 100.2


def test_increases_counts_a_counter_that_restarted_below_its_old_value():
    # the service restarted since the last fault: its error counter counts again from zero
    prom = RawSamples([({"status": "500"}, [(95.0, 150), (100.3, 2), (100.55, 4)])])
    assert visible_at(prom, {"series": "x", "when": "increases"}, 100.0, 101) == 100.3
    unchanged = RawSamples([({"status": "500"}, [(95.0, 150), (100.3, 150)])])
    assert visible_at(unchanged, {"series": "x", "when": "increases"}, 100.0, 101) is None


def test_an_alert_resolved_one_interval_after_its_last_firing_evaluation_once_that_evaluation_passed():
    own, other = {"alertname": "Load", "instance": "pushed"}, {"alertname": "Load", "instance": "host"}
    prom = RawSamples([(own, [(100.0, 1), (101.0, 1)]), (other, [(100.0, 1), (101.0, 1), (102.0, 1), (103.0, 1)])])
    assert alert_resolved_at(prom, "Load", {"instance": "pushed"}, 99, 103.5, 1.0) == 102.0
    assert alert_resolved_at(prom, "Load", {"instance": "pushed"}, 99, 101.5, 1.0) is None  # next evaluation not yet due
    assert alert_resolved_at(prom, "Load", {"instance": "gone"}, 99, 103.5, 1.0) is None  # never fired


@pytest.mark.parametrize("delivery, status", [
    ({"channel": "webhook", "body": {"status": "resolved"}}, "resolved"),
    ({"channel": "pagerduty", "body": {"event_action": "trigger"}}, "firing"),
    ({"channel": "slack", "body": {"attachments": [{"title": "[RESOLVED] X"}]}}, "resolved"),
    # a custom title (seed 004's 'Aurelis Alert') hides the status; the default colour still tells it
    ({"channel": "slack", "body": {"attachments": [{"title": "Aurelis Alert", "color": "good"}]}}, "resolved"),
    ({"channel": "slack", "body": {"attachments": [{"title": "Aurelis Alert", "color": "danger"}]}}, "firing"),
    ({"channel": "discord", "body": {"embeds": [{"title": "[FIRING:1] X"}]}}, "firing"),
    ({"channel": "email", "body": {"subject": "[RESOLVED] X"}}, "resolved"),
])
def test_each_channel_says_firing_or_resolved_its_own_way(delivery, status):
    assert notification_status(delivery) == status


def test_active_is_the_start_of_the_pending_run_that_led_to_firing():
    from monsuite.alerts.timeline import pending_since

    # pending at 10, 11, (reset) then again from 13 to 22, firing at 23 with for = 10 s, E = 1 s
    prom = RawSamples([({"alertname": "A"}, [(10.0, 1), (11.0, 1), *[(float(t), 1) for t in range(13, 23)]])])
    assert pending_since(prom, "A", {}, 5.0, 23.0, 10.0, 1.0) == 13.0
    # a missed evaluation (no sample at 16) in an unbroken pending run changes nothing
    prom = RawSamples([({"alertname": "A"}, [(float(t), 1) for t in range(13, 23) if t != 16])])
    assert pending_since(prom, "A", {}, 5.0, 23.0, 10.0, 1.0) == 13.0
