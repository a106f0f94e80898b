from pathlib import Path

import pytest
import yaml

from monsuite.alerts.scenarios import alertmanager_receivers, load_for_stack, load_scenarios
from monsuite.errors import ManifestError
from monsuite.manifest import load_manifest
from monsuite.rules.model import Rule

DEFAULT = Path(__file__).resolve().parent.parent / "stacks" / "default"
ALERTS = {"A": Rule(file="r.yml", group="g", group_interval_ms=None, expr="up == 0", alert="A")}


def write(tmp_path, scenarios):
    path = tmp_path / "scenarios.yaml"
    path.write_text(yaml.safe_dump({"scenarios": scenarios}))
    return path


def test_the_default_stack_has_a_scenario_for_every_alert_rule():
    scenarios, rules = load_for_stack(load_manifest(DEFAULT))
    assert {s.alert for s in scenarios} == set(rules)
    assert len(rules) == 20


def test_receivers_are_read_from_the_alertmanager_template():
    assert {"pagerduty", "slack", "discord", "webhook", "default-email"} <= alertmanager_receivers(DEFAULT)


GOOD = {"name": "s1", "alert": "A", "fault": {"demo": {"error_rate": 0.5}}, "receivers": ["slack"]}


@pytest.mark.parametrize("change, field, problem", [
    ({"alert": "Nope"}, "(s1).alert", "no alert rule named 'Nope'"),
    ({"receivers": ["pager"]}, "(s1).receivers", "no receiver 'pager'"),
    ({"fault": {"explode": 1}}, "(s1).fault.explode", "unknown fault kind; the kinds are demo, stop, push, traffic"),
    ({"fault": {"stop": "ghost"}}, "(s1).fault.stop", "no component 'ghost'"),
    ({"fault": {"push": {"series": [{"labels": {}}]}}}, "(s1).fault.push.series", "needs a name"),
    ({"budget": "soon"}, "(s1)", "not a Prometheus duration"),
    ({"colour": "red"}, "(s1).colour", "unknown key"),
    ({"visible": {"series": "up", "when": "sometimes"}}, "(s1).visible", "must be {series"),
    ({"fault": {"demo": {"health_failng": True}}}, "(s1).fault.demo", "unknown fault 'health_failng'"),
    ({"fault": {"demo": {"health_failing": "yes"}}}, "(s1).fault.demo", "must be true or false"),
    ({"fault": {"demo": {"error_rate": 5}}}, "(s1).fault.demo", "between 0 and 1"),
    ({"fault": {"traffic": {"execs": 0}}}, "(s1).fault.traffic", "unknown setting 'execs'"),
    ({"fault": {"traffic": {"reads_per_second": "many"}}}, "(s1).fault.traffic", "could not convert"),
    ({"keeps_instance": "no"}, "(s1).keeps_instance", "true or false"),
    ({"unit": {"input": [{"series": "up", "values": "1 1 lots"}], "active_at": "1m"}}, "(s1).unit.input[0].values",
     "'lots' is not promtool's expanding notation"),
])
def test_a_bad_scenario_names_the_file_the_scenario_and_the_problem(tmp_path, change, field, problem):
    path = write(tmp_path, [{**GOOD, **change}])
    with pytest.raises(ManifestError) as caught:
        load_scenarios(path, ALERTS, {"slack"}, {"demo"})
    message = str(caught.value)
    assert str(path) in message and field in message and problem in message


def test_duplicate_scenario_names_are_refused(tmp_path):
    with pytest.raises(ManifestError, match="duplicate scenario name 's1'"):
        load_scenarios(write(tmp_path, [GOOD, GOOD]), ALERTS, {"slack"}, {"demo"})


def test_a_key_given_twice_is_an_error_with_its_line(tmp_path):
    path = tmp_path / "scenarios.yaml"
    path.write_text("scenarios:\n  - name: s1\n    alert: A\n    alert: B\n")
    with pytest.raises(ManifestError, match=r"invalid YAML at line 4: key 'alert' appears twice"):
        load_scenarios(path, ALERTS, {"slack"}, {"demo"})
