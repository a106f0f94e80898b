"""Routing cases through amtool and a live Alertmanager: the upstream expectations for its routing test
configs, the default stack's table (routes, inhibitions, silences), and failures that are reported."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from monsuite.errors import ManifestError
from monsuite.routing.cases import load_cases
from monsuite.routing.config import load_config, routing_only
from monsuite.routing.verdict import run_routing_test

from tests.reference_configs import ALERTMANAGER_ROUTING, ALERTMANAGER_SIMPLE_V025, needs_reference, reference

CASES = Path(__file__).resolve().parent / "data" / "alertmanager"  # upstream's expectations, as this project states them
UPSTREAM = reference(ALERTMANAGER_ROUTING)
DEFAULT = Path(__file__).resolve().parent.parent / "stacks" / "default"


@needs_reference
@pytest.mark.parametrize("config", ["conf.routing", "conf.routing-reverted"])
def test_upstream_routing_expectations_hold_in_amtool_and_live(config):
    report = run_routing_test(UPSTREAM / f"{config}.yml", CASES / f"{config}.cases.yaml")
    assert report.problems() == []
    assert report.amtool == report.live == [case.receivers for case in report.cases.routes]


def test_the_default_stacks_routing_table_holds():
    report = run_routing_test(DEFAULT / "alertmanager.yml.j2", DEFAULT / "routes.yaml")
    assert report.problems() == []
    assert len(report.inhibitions) == 5 and any(report.inhibitions) and not all(report.inhibitions)
    assert len(report.silences) == 4 and any(report.silences) and not all(report.silences)


@needs_reference
def test_a_wrong_expectation_is_reported_per_case(tmp_path):
    cases = tmp_path / "cases.yaml"
    cases.write_text(yaml.safe_dump({
        "routes": [{"labels": {"test": "2"}, "receivers": ["test2", "test1"]}],
        "inhibitions": [],
    }))
    problems = run_routing_test(UPSTREAM / "conf.routing.yml", cases).problems()
    assert "routes[0] {'test': '2'}: amtool routes to ['test1', 'test2'], expected ['test2', 'test1']" in problems
    assert any(p.startswith("routes[0] {'test': '2'}: live routes to") for p in problems)


def test_a_false_inhibition_expectation_is_reported(tmp_path):
    cases = tmp_path / "cases.yaml"
    cases.write_text(yaml.safe_dump({"inhibitions": [{
        "source": {"alertname": "A", "severity": "critical", "cluster": "c", "service": "s"},
        "target": {"alertname": "B", "severity": "warning", "cluster": "c", "service": "s"}, "inhibited": False}]}))
    problems = run_routing_test(DEFAULT / "alertmanager.yml.j2", cases, use_amtool=False).problems()
    assert problems and "is inhibited" in problems[0]


@needs_reference
def test_the_live_alertmanager_gets_names_only_so_nothing_is_ever_sent():
    safe = routing_only(load_config(reference(ALERTMANAGER_SIMPLE_V025)))
    assert all(set(receiver) == {"name"} for receiver in safe["receivers"])
    assert "global" not in safe and "templates" not in safe and safe["route"]


def test_bad_cases_are_refused_with_the_place(tmp_path):
    path = tmp_path / "cases.yaml"
    path.write_text("silences:\n  - matchers: [alertname=X]\n    alert: {alertname: X}\n    silenced: true\n")
    with pytest.raises(ManifestError, match=r"silences\[0\]\.matchers: 'alertname=X' is not a matcher"):
        load_cases(path)


@needs_reference
def test_the_cli_exits_1_on_a_failing_case_and_2_on_bad_input(tmp_path):
    cases = tmp_path / "cases.yaml"
    cases.write_text("routes:\n  - {labels: {test: '1'}, receivers: [test2]}\n")

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "monsuite", "routes", "test", *map(str, args)], capture_output=True, text=True)

    assert cli("--config", UPSTREAM / "conf.routing.yml", CASES / "conf.routing.cases.yaml").returncode == 0
    failing = cli("--config", UPSTREAM / "conf.routing.yml", cases)
    assert failing.returncode == 1 and "FAIL routes[0]" in failing.stdout
    assert cli("--config", tmp_path / "missing.yml", cases).returncode == 2


def test_an_unknown_key_in_a_case_is_named(tmp_path):
    from monsuite.errors import ManifestError
    from monsuite.routing.cases import load_cases

    path = tmp_path / "routes.yaml"
    path.write_text(yaml.safe_dump({"routes": [{"labels": {"a": "b"}, "receivers": ["x"], "recievers": ["y"]}]}))
    with pytest.raises(ManifestError, match=r"routes\[0\]\.recievers: unknown key"):
        load_cases(path)


@pytest.mark.skipif(shutil.which("amtool") is None, reason="amtool not on PATH (Debian: prometheus-alertmanager)")
def test_a_label_value_with_a_double_quote_is_routed_like_any_other(tmp_path):
    config = tmp_path / "am.yml"
    config.write_text(r"""route: {receiver: a, routes: [{receiver: b, matchers: ['x="q\"uote"']}]}
receivers: [{name: a}, {name: b}]
""")
    cases = tmp_path / "routes.yaml"
    cases.write_text(yaml.safe_dump({"routes": [{"labels": {"x": 'q"uote'}, "receivers": ["b"]},
                                                {"labels": {"x": "plain"}, "receivers": ["a"]}]}))
    report = run_routing_test(config, cases)
    assert not report.problems(), report.problems()
