"""The input series found on an alert expression's AST (no promtool needed)."""

import promql_parser as pp
import pytest

from monsuite.generate.inputs import Unsupported, bucket_rate, design
from monsuite.generate.matchers import NoValue, accepted_value, refused_value
from monsuite.generate.series_notation import phases


def selector_matchers(text):
    return pp.parse(text).matchers.matchers


def test_a_ratio_gets_a_series_for_the_numerator_and_a_decoy_only_the_denominator_reads():
    d = design('sum by (job) (rate(http_requests_total{job="api", status=~"5.."}[5m]))'
               ' / sum by (job) (rate(http_requests_total{job="api"}[5m])) > 0.05')
    selectors = {s.selector() for s in d.series}
    assert 'http_requests_total{instance="generated:9100", job="api", status="500"}' in selectors
    assert any('status="' in s and 'status="500"' not in s and 'job="api"' in s for s in selectors)
    assert d.comparison == (">", 0.05) and d.window_ms == 300_000
    assert all(s.kind == "counter" for s in d.series)
    own = {d.variables[s.var].mirrors is None for s in d.series}
    assert own == {True, False}  # the status decoy is searched; the job decoy only mirrors


def test_a_histogram_under_histogram_quantile_is_a_ladder_of_buckets():
    d = design('histogram_quantile(0.95, sum by (le) (rate(latency_seconds_bucket[5m]))) > 2')
    buckets = [s for s in d.series if s.metric == "latency_seconds_bucket"]
    assert buckets and buckets[-1].le == "+Inf" and all(s.kind == "bucket" for s in buckets)
    assert bucket_rate(buckets[-1], 4.0) == 1.0
    below = [s for s in buckets if s.le != "+Inf" and float(s.le) < 4.0]
    assert below and all(bucket_rate(s, 4.0) == 0.0 for s in below)


def test_predict_linear_reads_a_gauge_with_a_slope_and_answers_plain_reads_of_it_too():
    d = design('predict_linear(avail{mountpoint="/"}[1h], 4 * 3600) < 0 and avail{mountpoint="/"} / size < 0.4')
    avail = [s for s in d.series if s.metric == "avail"]
    assert avail and all(s.kind == "slope" and s.slope_var is not None for s in avail)
    assert any(v < 0 for v in d.variables[avail[0].slope_var].candidates)


def test_constant_arithmetic_is_folded_into_the_candidate_values():
    d = design("time() - last_backup_timestamp_seconds > 60 * 60 * 24")
    assert 86400.0 * 2 in d.variables[0].candidates or -86400.0 * 2 in d.variables[0].candidates


def test_absent_and_or_make_absence_a_candidate():
    assert None in design("absent(up{job='api'})").variables[0].candidates
    assert None in design("(count(x{role='master'}) or vector(0)) < 1").variables[0].candidates
    assert None not in design("x > 1").variables[0].candidates


def test_a_metric_beside_time_is_a_clock_and_an_expression_without_metrics_has_no_inputs():
    clock = design("time() - backup_last_success_timestamp_seconds > 600")
    assert [s.kind for s in clock.series] == ["clock"] and -600.0 in clock.variables[0].candidates
    assert [s.kind for s in design("last_over_time(x[10m]) - time() < 0").series] == ["clock"]
    assert [s.kind for s in design("x - 5 > 0").series] == ["gauge"]
    assert design("changes(x[15m]) > 2").series[0].kind == "counter"
    drop = design("sum(rate(x[5m])) < sum(rate(x[1h] offset 1h)) * 0.5")
    assert drop.series[0].past_var is not None and drop.recent_ms == 30 * 60_000  # half the offset
    watchdog = design("vector(1)")
    assert watchdog.series == [] and watchdog.variables == []


@pytest.mark.parametrize("expr, reason", [
    ("max_over_time(x[10m:1m]) > 1", "subquery"),
    ("x @ 1600000000 > 1", "@"),
    ('{__name__=~"x.*"} > 1', "no metric name"),
    ("rate(x[5m]) > 1 and x > 2", "both as"),
])
def test_what_cannot_be_generated_says_why(expr, reason):
    with pytest.raises(Unsupported, match=reason):
        design(expr)


def test_regex_matchers_get_values_they_accept_and_refuse():
    status, = selector_matchers('x{status=~"5.."}')
    assert accepted_value(status) == "500" and refused_value(status) not in (None, "500")
    not_ok, = selector_matchers('x{code!~"2.."}')
    assert accepted_value(not_ok) is None  # leaving the label out satisfies it
    assert refused_value(not_ok) == "200"
    pod, = selector_matchers('x{pod=~"aurelis-.*"}')
    assert accepted_value(pod).startswith("aurelis-")
    impossible, = selector_matchers('x{a=~"[0-9]{40}"}')
    with pytest.raises(NoValue):
        accepted_value(impossible)


def test_phases_continue_a_counter_and_end_a_vanishing_series_with_a_stale_marker():
    d = design("rate(x_total[5m]) > 1")
    counter = d.series[0]
    assert phases(counter, [{0: 0.5}, {0: 2.0}], [4, 3], 15) == "0+7.5x3 52.5+30x2"
    d = design("absent(y)")
    assert phases(d.series[0], [{0: 1.0}, {0: None}], [4, 3], 15) == "1+0x3 stale _x2"


def test_changes_of_a_series_also_read_as_it_is_reads_a_gauge_and_alone_a_counter():
    both = design('(scheduled != desired) and on (namespace) (changes(scheduled[5m]) == 0)')
    assert {s.kind for s in both.series if s.metric == "scheduled"} == {"gauge"}
    alone = design('changes(restarts[15m]) > 3')
    assert {s.kind for s in alone.series} == {"counter"}
    with pytest.raises(Unsupported, match="read both as"):
        design('changes(x[5m]) > 0 and rate(y[5m]) > 1 and deriv(x[5m]) > 0')


def test_a_matcher_that_refuses_only_the_empty_value_gets_a_decoy_without_the_label():
    d = design('node_filesystem_readonly{job="node", fstype!="", mountpoint!=""} == 1')
    selectors = {s.selector() for s in d.series}
    assert any("fstype=" not in s and "mountpoint=" in s for s in selectors), selectors
    assert any("mountpoint=" not in s and "fstype=" in s for s in selectors), selectors


def test_the_labels_a_match_joins_on_carry_one_value_on_both_sides():
    """`container!=""` gives the numerator a container; the denominator, read without that matcher, must carry
    the same one or `on (pod, container)` finds no partner and the ratio is empty."""
    d = design('sum without (node) (rate(throttled_total{container!=""}[5m])) / on (pod, container) group_left '
               'sum without (node) (rate(periods_total[5m])) > 0.25')
    main = {s.metric: s.labels for s in d.series if d.variables[s.var].mirrors is None and "container" in s.labels}
    assert main["throttled_total"]["container"] == main["periods_total"]["container"] != "", main


def test_a_label_joined_on_that_no_matcher_names_is_carried_by_both_sides():
    d = design('sum by (cluster, node) (changes(ready{status="true"}[15m])) > 2 '
               'and on (cluster, node) unschedulable == 0')
    by_metric = {s.metric: s.labels for s in d.series if d.variables[s.var].mirrors is None}
    assert by_metric["unschedulable"]["node"] == by_metric["ready"]["node"], by_metric
    assert by_metric["unschedulable"]["cluster"] == by_metric["ready"]["cluster"], by_metric


def test_a_match_on_every_label_pairs_the_other_side_by_the_labels_one_side_demands():
    """kube-prometheus' conntrack rule: the limit, read without a job matcher, must carry job="node-exporter" or
    no entry finds its limit; a decoy limit of another job lets a mutant that drops the job matcher pair."""
    d = design('(node_nf_conntrack_entries{job="node-exporter"} / node_nf_conntrack_entries_limit) > 0.75')
    limits = {s.labels["job"]: d.variables[s.var].mirrors is None for s in d.series if s.metric == "node_nf_conntrack_entries_limit"}
    assert limits == {"node-exporter": True, "node-exporter-other": False}, limits
    assert all(s.labels["job"] != "generated" for s in d.series)
    ignoring = design('a{job="api"} / ignoring (job) b > 0.75')
    assert {s.labels["job"] for s in ignoring.series if s.metric == "b"} == {"generated"}
    # two exporters' series never share a job: a rule dividing them cannot fire, and its inputs say so
    two_exporters = design('pg_database_size_bytes{job="postgres"} / node_filesystem_size_bytes{device="/dev/sda1"} > 0.85')
    assert {s.labels["job"] for s in two_exporters.series if s.metric == "node_filesystem_size_bytes"} == {"generated"}
    # a label an aggregation on its side takes away pairs nothing: the counter does not get mode="idle"
    per_cpu = design('rate(node_context_switches_total[15m]) / count without (mode, cpu) (node_cpu_seconds_total{mode="idle"}) > 2')
    assert all("mode" not in s.labels for s in per_cpu.series if s.metric == "node_context_switches_total")
