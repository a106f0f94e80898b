"""Health of a started stack, read back from its state file."""

from __future__ import annotations

import requests

from monsuite.clients.prometheus import PrometheusClient
from monsuite.runtimes.base import Handle
from monsuite.runtimes.registry import runtime_of


def component_status(data: dict) -> tuple[bool, str]:
    handle = Handle(**{k: v for k, v in data.items() if k in Handle.__dataclass_fields__})
    runtime = runtime_of(handle)
    where = runtime.where(handle)
    if runtime.exit_status(handle) is not None:
        return False, f"{where} is not running"
    return True, where


def target_summary(prometheus_url: str) -> tuple[bool, list[str]]:
    try:
        client = PrometheusClient(prometheus_url)
        targets = client.targets()
        alertmanagers = client.alertmanagers()
    except (requests.RequestException, RuntimeError) as exc:
        return False, [f"prometheus: not answering ({exc})"]
    down = [t for t in targets if t.health != "up"]
    lines = [f"prometheus targets: {len(targets) - len(down)}/{len(targets)} up; alertmanagers discovered: {len(alertmanagers)}"]
    lines += [f"  DOWN {t.job} {t.instance}: {t.last_error}" for t in down]
    return not down and bool(alertmanagers), lines
