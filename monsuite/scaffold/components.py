"""The components an initialised stack runs: the minimal stack's, plus a Pushgateway for the series
that starting scenarios push."""

from __future__ import annotations

import yaml

from monsuite.paths import shipped_stack

PUSHGATEWAY = {
    "kind": "exporter",
    "image": "prom/pushgateway:v1.5.1",
    "binary": ["prometheus-pushgateway", "pushgateway"],
    # in memory, as the official image: Debian's build persists to one file shared by every run
    "args": ["--web.listen-address=127.0.0.1:{{ this.port }}", "--persistence.file="],
    "ports": ["web"],
    "ready": {"http": "/-/ready"},
}


def components_yaml() -> str:
    minimal = yaml.safe_load((shipped_stack("minimal") / "stack.yaml").read_text())
    components = {**minimal["components"], "pushgateway": PUSHGATEWAY}
    return yaml.safe_dump({"components": components}, sort_keys=False, width=120)
