"""`monsuite init`: from a user's rule file and Alertmanager config (real public ones) to a stack whose
starting scenarios pass live; `--example` copies a shipped stack. Bad input is one line, exit 2."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from monsuite.alerts.scenarios import load_for_stack
from monsuite.cli import main
from monsuite.manifest import load_manifest
from monsuite.render import render_string

from tests.reference_configs import ALERTMANAGER_SIMPLE_V025, awesome_rules, reference, require

REDIS_RULES = awesome_rules("oliver006-redis-exporter.yml")
ALERTMANAGER = reference(ALERTMANAGER_SIMPLE_V025)
RULES = Path(__file__).resolve().parents[1] / "monsuite" / "stacks" / "default" / "rules" / "windmill-platform.yml"


def init(tmp_path, *extra) -> Path:
    require()
    target = tmp_path / "mystack"
    assert main(["init", str(target), "--rules", str(REDIS_RULES), "--alertmanager-config", str(ALERTMANAGER), *extra]) == 0
    return target


def test_an_example_is_copied_and_loads(tmp_path):
    assert main(["init", str(tmp_path / "mine"), "--example", "minimal"]) == 0
    assert load_manifest(tmp_path / "mine").name == "minimal"


def test_the_scaffolded_stack_validates_with_a_scenario_per_solvable_rule(tmp_path, capsys):
    target = init(tmp_path)
    printed = capsys.readouterr().out
    scenarios, rules = load_for_stack(load_manifest(target))
    assert len(rules) == 12 and len(scenarios) == 8
    assert "no scenario for RedisMissingMaster: it fires while redis_instance_info is absent" in printed
    # count(...) - sum(...) - 1 > 0 fires on two replicas with no connected slaves: two instances, one push
    assert "no scenario for RedisDisconnectedSlaves: it tells series of several instances apart" in printed
    assert all(s.receivers for s in scenarios)  # routed through amtool on the user's own config


@pytest.mark.skipif(shutil.which("amtool") is None, reason="amtool not on PATH (Debian: prometheus-alertmanager)")
def test_the_routing_baseline_holds_in_amtool_and_a_live_alertmanager(tmp_path):
    from monsuite.routing.verdict import run_routing_test

    target = init(tmp_path)
    report = run_routing_test(target / "alertmanager.yml.j2", target / "routes.yaml")
    assert len(report.cases.routes) == 12 and not report.problems(), report.problems()


@pytest.mark.skipif(shutil.which("amtool") is None, reason="amtool not on PATH (Debian: prometheus-alertmanager)")
def test_the_rewired_alertmanager_config_is_valid_and_delivers_only_to_the_sinks(tmp_path):
    target = init(tmp_path)
    context = {"components": {"sinks": SimpleNamespace(ports={"http": 8080, "smtp": 2525})},
               "profile": {"group_wait": "500ms", "group_interval": "5s", "repeat_interval": "3m", "resolve_timeout": "5s"}}
    rendered = render_string((target / "alertmanager.yml.j2").read_text(), context, source=target, field="")
    config_file = tmp_path / "alertmanager.yml"
    config_file.write_text(rendered)
    check = subprocess.run(["amtool", "check-config", str(config_file)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    config = yaml.safe_load(rendered)
    urls = [c.get("url") for r in config["receivers"] for c in r.get("pagerduty_configs", [])]
    assert urls and all(u.startswith("http://127.0.0.1:8080/pagerduty/") for u in urls)
    assert config["global"]["smtp_smarthost"] == "127.0.0.1:2525" and "smtp_auth_password" not in config["global"]
    assert config["route"]["group_wait"] == "500ms"


@pytest.mark.parametrize("args, says", [
    (["--example", "nope"], "invalid choice: 'nope'"),
    (["--rules", str(RULES)], "needs --rules and --alertmanager-config"),
    (["--example", "minimal", "--rules", str(RULES)], "--rules would be ignored"),
    (["--rules", "/nonexistent.yml", "--alertmanager-config", str(ALERTMANAGER)], "/nonexistent.yml"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, says):
    assert main(["init", str(tmp_path / "s"), *args]) == 2
    assert says in capsys.readouterr().err


def test_a_refused_init_leaves_nothing_and_can_be_run_again(tmp_path, capsys):
    config = tmp_path / "am.yml"
    config.write_text("route: {receiver: r}\nreceivers:\n  - name: r\n"
                      "    slack_configs: [{api_url: 'http://127.0.0.1:9/', text: '{{ template \"x\" . }}'}]\n")
    target = tmp_path / "mine"
    for _ in range(2):  # the second run meets the same error, not "not empty"
        assert main(["init", str(target), "--rules", str(RULES), "--alertmanager-config", str(config)]) == 2
        assert "--templates" in capsys.readouterr().err
        assert not target.exists() and [p.name for p in tmp_path.iterdir()] == ["am.yml"]


def test_an_initialised_stack_has_promtool_tests_that_pass_and_an_slo(tmp_path, capsys):
    from monsuite.rules.unittests import run_file
    from monsuite.slo.spec import load_specs

    config = tmp_path / "am.yml"
    config.write_text("route: {receiver: r}\nreceivers:\n  - name: r\n    webhook_configs: [{url: 'http://127.0.0.1:9/'}]\n")
    target = tmp_path / "mine"
    assert main(["init", str(target), "--rules", str(RULES), "--alertmanager-config", str(config)]) == 0
    assert [s.name for s in load_specs(target / "slo.yaml")] == ["availability"]
    result = run_file(target / "rule-tests" / "generated-test.yml")
    assert result.verdict == "passed", result.output
