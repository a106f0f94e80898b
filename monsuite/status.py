"""Health of a started stack, read back from its state file."""

from __future__ import annotations

import requests

from monsuite.clients.prometheus import PrometheusClient
from monsuite.runtimes import docker, process
from monsuite.runtimes.base import Handle


def component_status(data: dict) -> tuple[bool, str]:
    handle = Handle(**{k: v for k, v in data.items() if k in Handle.__dataclass_fields__})
    if handle.runtime == "process" and not process.is_alive(handle.pid, handle.pid_start_ticks):
        return False, f"process {handle.pid} is gone"
    if handle.runtime == "docker" and docker.exit_status(handle) is not None:
        return False, f"container {handle.container_id[:12]} is not running"
    where = f"pid {handle.pid}" if handle.pid else (f"container {handle.container_id[:12]}" if handle.container_id else handle.detail)
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
