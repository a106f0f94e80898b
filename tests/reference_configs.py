"""The public reference files (promtool's and Alertmanager's own test data, awesome-prometheus-alerts rule
files, public Grafana dashboards), read where they are provided and never copied into this repository.

They live in `shared/reference-configs/` beside the repository's folder; MONSUITE_REFERENCE_CONFIGS
points elsewhere. Where they are absent, the tests that need them skip with a reason naming both.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ENVIRONMENT_VARIABLE = "MONSUITE_REFERENCE_CONFIGS"
REPO = Path(__file__).resolve().parent.parent


def root() -> Path:
    given = os.environ.get(ENVIRONMENT_VARIABLE)
    return Path(given) if given else REPO.parent / "shared" / "reference-configs"


def available() -> bool:
    return (root() / "SOURCES.md").is_file()


def reference(relative: str) -> Path:
    """A file of the reference folder, by its path there (`prometheus/cmd/promtool/testdata/rules.yml`)."""
    return root() / relative


MISSING_REASON = (f"the public reference configs are not at {root()}: put shared/reference-configs beside the "
                  f"repository's folder or point {ENVIRONMENT_VARIABLE} at it")

# Tests reading reference files carry this mark: they skip, with the reason above, where the folder is absent.
needs_reference = pytest.mark.skipif(not available(), reason=MISSING_REASON)



def require() -> None:
    """Inside a test: skip it, with the reason above, where the reference folder is absent."""
    if not available():
        pytest.skip(MISSING_REASON)


PROMTOOL_TESTDATA = "prometheus/cmd/promtool/testdata"
PROMTOOL_TESTDATA_V242 = "prometheus-v2.42.0/cmd/promtool/testdata"
ALERTMANAGER_ROUTING = "alertmanager/cli/testdata"
ALERTMANAGER_SIMPLE_V025 = "alertmanager-v0.25.0/doc/examples/simple.yml"
AWESOME_RULES = {  # awesome-prometheus-alerts: file name -> path under dist/rules
    "blackbox-exporter.yml": "blackbox/blackbox-exporter.yml",
    "node-exporter.yml": "host-and-hardware/node-exporter.yml",
    "postgres-exporter.yml": "postgresql/postgres-exporter.yml",
    "embedded-exporter.yml": "prometheus-self-monitoring/embedded-exporter.yml",
    "oliver006-redis-exporter.yml": "redis/oliver006-redis-exporter.yml",
}
PUBLIC_DASHBOARDS = {
    "node-exporter-full.json": "grafana-dashboards/prometheus/node-exporter-full.json",
    "k8s-addons-prometheus.json": "grafana-dashboards-kubernetes/dashboards/k8s-addons-prometheus.json",
}


def awesome_rules(name: str) -> Path:
    return reference(f"awesome-prometheus-alerts/dist/rules/{AWESOME_RULES[name]}")


def public_dashboard(name: str) -> Path:
    return reference(PUBLIC_DASHBOARDS[name])
