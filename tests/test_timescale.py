import subprocess

import pytest
import yaml

from monsuite.errors import ManifestError
from monsuite.rules.scale import scale_rule_text
from monsuite.timescale import TimeScaleError, format_ms, parse_ms, scale_duration, scale_expression


@pytest.mark.parametrize("text, ms", [("15s", 15000), ("1m30s", 90000), ("250ms", 250), ("1h", 3600000), ("2d", 172800000)])
def test_durations_parse_and_print_back(text, ms):
    assert parse_ms(text) == ms
    assert parse_ms(format_ms(ms)) == ms


@pytest.mark.parametrize("text, factor, scaled", [("15s", 60, "250ms"), ("5m", 60, "5s"), ("12h", 60, "12m"), ("1m", 1, "1m")])
def test_durations_scale(text, factor, scaled):
    assert scale_duration(text, factor) == scaled


@pytest.mark.parametrize("expr, scaled", [
    ("rate(http_requests_total[5m]) > 1", "rate(http_requests_total{}[5s]) > 1"),
    ('sum(rate(x[5m])) < sum(rate(x[1h] offset 1h)) * 0.5', "sum(rate(x{}[5s])) < sum(rate(x{}[1m] offset 1m)) * 0.5"),
    ("max_over_time(rate(b[1m])[10m:1m])", "max_over_time(rate(b{}[1s])[10s:1s])"),
    ('histogram_quantile(0.95, sum by (le) (rate(h_bucket{job="a"}[10m])))',
     'histogram_quantile(0.95, sum by (le)(rate(h_bucket{job="a"}[10s])))'),
    ("up == 0", "up{} == 0"),
])
def test_expressions_scale_on_the_ast(expr, scaled):
    assert scale_expression(expr, 60) == scaled


def test_a_window_that_cannot_be_printed_exactly_is_refused_not_mangled():
    with pytest.raises(TimeScaleError, match="whole seconds"):
        scale_expression("rate(x[1m])", 120)  # 500ms would print as 0s


def test_bad_promql_is_a_clear_error():
    with pytest.raises(TimeScaleError, match="cannot parse PromQL"):
        scale_expression("rate(x[5m]", 60)


RULES = """
groups:
  - name: g
    interval: 30s
    rules:
      - alert: A
        expr: rate(x_total[5m]) > 1
        for: 10m
        annotations: {summary: "{{ $value | humanize }}"}
      - record: r:rate5m
        expr: sum(rate(x_total[5m]))
"""


def test_a_rule_file_scales_as_a_whole_and_stays_valid_for_promtool(tmp_path):
    text = scale_rule_text(RULES, 60, tmp_path / "r.yml")
    data = yaml.safe_load(text)
    group = data["groups"][0]
    assert group["interval"] == "500ms"
    assert group["rules"][0]["for"] == "10s" and group["rules"][0]["expr"] == "rate(x_total{}[5s]) > 1"
    assert group["rules"][0]["annotations"]["summary"] == "{{ $value | humanize }}"
    (tmp_path / "scaled.yml").write_text(text)
    check = subprocess.run(["promtool", "check", "rules", str(tmp_path / "scaled.yml")], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_rule_that_cannot_scale_names_the_file_and_rule(tmp_path):
    with pytest.raises(ManifestError, match=r"r\.yml: groups\[0\]\.rules\[0\] \(A\)"):
        scale_rule_text(RULES.replace("[5m]", "[1m]", 1), 120, tmp_path / "r.yml")
