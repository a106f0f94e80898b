"""The stack's routing table (stacks/<name>/routes.yaml): every routing, inhibition and silence case,
through amtool and through a live Alertmanager running the stack's routing tree; both must agree."""

from __future__ import annotations

import pytest

from monsuite.manifest import load_manifest
from monsuite.routing.verdict import run_routing_test

CONFIG_NAMES = ("alertmanager.yml", "alertmanager.yml.j2", "alertmanager.yaml", "alertmanager.yaml.j2")


def test_the_routing_table_holds_in_amtool_and_a_live_alertmanager(request):
    manifest = load_manifest(request.config.getoption("--stack"))
    cases = manifest.directory / "routes.yaml"
    config = next((manifest.directory / n for n in CONFIG_NAMES if (manifest.directory / n).exists()), None)
    if not cases.exists() or config is None:
        pytest.skip(f"{manifest.directory}: no routes.yaml (or no Alertmanager config) to test")
    report = run_routing_test(config, cases)
    assert not report.problems(), "\n".join(report.problems())
