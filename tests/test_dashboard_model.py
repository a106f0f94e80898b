import json
import re

import pytest

from monsuite.dashboards.model import load_dashboard
from monsuite.dashboards.variables import expand, grafana_duration, interval_ms, rate_interval_ms, round_interval
from monsuite.errors import ManifestError

from tests.reference_configs import needs_reference, public_dashboard


def write(tmp_path, model):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(model))
    return path


def test_rows_collapsed_rows_old_rows_and_library_panels(tmp_path):
    model = {"title": "t", "rows": [{"title": "old", "panels": [{"id": 1, "targets": [{"refId": "A", "expr": "up"}]}]}],
             "panels": [
                 {"type": "row", "title": "closed", "collapsed": True, "panels": [{"id": 2, "targets": [{"refId": "A", "expr": "a"}]}]},
                 {"type": "row", "title": "open", "collapsed": False, "panels": []},
                 {"id": 3, "targets": [{"refId": "A", "expr": "b"}, {"refId": "B", "expr": "c", "hide": True}]},
                 {"id": 4, "libraryPanel": {"uid": "lib-1", "name": "shared"}},
                 {"id": 3, "type": "text"}]}
    dashboard = load_dashboard(write(tmp_path, model))
    assert [(p.id, p.row) for p in dashboard.panels] == [(1, "old"), (2, "closed"), (3, "open"), (4, "open"), (3, "open")]
    assert [t.expr for t in dashboard.panels[2].targets] == ["b"]
    assert dashboard.panels[3].library_panel == "lib-1"
    assert dashboard.problems == ["panel ids used twice: 3"]


def test_the_api_wrapper_is_accepted_and_a_non_dashboard_refused(tmp_path):
    panel = {"id": 1, "type": "stat", "targets": [{"refId": "A", "expr": "up"}]}
    assert load_dashboard(write(tmp_path, {"dashboard": {"title": "x", "panels": [panel]}})).title == "x"
    with pytest.raises(Exception, match="not a Grafana dashboard model"):
        load_dashboard(write(tmp_path, {"hello": 1}))


@pytest.mark.parametrize("model, field, says", [
    ({"title": "bad", "panels": "x"}, "panels", "list of objects"),
    ({"title": "bad", "panels": [{"id": 1, "targets": "up"}]}, "panels[0].targets", "list of objects"),
    ({"title": "empty", "panels": []}, "panels", "no panels"),
])
def test_a_malformed_or_empty_dashboard_is_named_with_the_field(tmp_path, model, field, says):
    with pytest.raises(ManifestError, match=f"{re.escape(field)}: .*{says}"):
        load_dashboard(write(tmp_path, model))


@needs_reference
def test_public_dashboards_parse_completely():
    node = load_dashboard(public_dashboard("node-exporter-full.json"))
    assert (len(node.panels), sum(len(p.targets) for p in node.panels)) == (125, 275)
    assert [v["name"] for v in node.variables] == ["ds_prometheus", "job", "nodename", "node"]


@pytest.mark.parametrize("ms, nice", [(900, 1000), (1600, 2000), (86400, 60000), (13000, 15000), (400, 500)])
def test_intervals_snap_like_grafana(ms, nice):
    assert round_interval(ms) == nice


def test_step_and_rate_interval_follow_grafanas_rules():
    assert interval_ms(15 * 60_000, 1000, 15_000) == 15_000  # floored at the scrape interval
    assert interval_ms(24 * 3600_000, 1000, 15_000) == 60_000
    assert rate_interval_ms(15_000, 15_000) == 60_000 and rate_interval_ms(60_000, 15_000) == 75_000
    assert grafana_duration(60_000) == "1m" and grafana_duration(1250) == "1250ms"


def test_variables_expand_in_every_syntax():
    values = {"job": ["a", "b.c"], "node": "host:9100", "__rate_interval": "1m"}
    assert expand('rate(x{job=~"$job", instance="${node}"}[$__rate_interval])', values) == \
        'rate(x{job=~"(a|b\\.c)", instance="host:9100"}[1m])'
    assert expand("[[node]] ${node:raw} $unknown", values) == "host:9100 host:9100 $unknown"


def test_a_row_id_used_again_by_a_panel_is_reported(tmp_path):
    model = {"title": "rows", "panels": [{"id": 1, "type": "row", "title": "r"},
                                         {"id": 1, "type": "stat", "targets": [{"refId": "A", "expr": "up"}]}]}
    assert "panel ids used twice: 1" in load_dashboard(write(tmp_path, model)).problems
