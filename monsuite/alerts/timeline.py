"""When each stage of an alert's way happened, read from the components' own timestamps:
Prometheus sample and evaluation timestamps, Alertmanager's log, the sinks' arrival times."""

from __future__ import annotations

import re
from datetime import datetime

from monsuite.clients.prometheus import PrometheusClient

AM_RECEIVED = re.compile(r'^ts=(\S+) .*msg="Received alert" alert=([^\[\s]+)\[[0-9a-f]+\]\[active\]', re.MULTILINE)


def raw_samples(prom: PrometheusClient, selector: str, since: float, until: float) -> list[tuple[dict, list]]:
    """Every stored sample of ``selector`` in [since, until], with its own timestamp."""
    window_ms = max(1, int((until - since) * 1000))
    result = prom.query_at(f"{selector}[{window_ms}ms]", until)
    return [(r["metric"], [(float(t), float(v)) for t, v in r["values"]]) for r in result]


def visible_at(prom: PrometheusClient, visible: dict, fault_at: float, until: float) -> float | None:
    """The timestamp of the first scrape that shows the fault."""
    when = str(visible["when"]).strip()
    first = None
    for _, samples in raw_samples(prom, visible["series"], fault_at - 30, until):
        before = [v for t, v in samples if t < fault_at]
        previous = before[-1] if before else None
        for t, v in samples:
            if t < fault_at:
                continue
            if when == "increases":
                # A counter that restarted (its process did) counts up again from zero: any count after the
                # drop is an increase, as rate() sees it.
                hit = previous is None or v > previous or 0 < v < previous
                previous = v
            else:
                op, number = when.split()
                hit = {"==": v == float(number), ">": v > float(number), "<": v < float(number)}[op]
            if hit:
                first = t if first is None else min(first, t)
                break
    return first


def alert_state_at(prom: PrometheusClient, alertname: str, state: str, labels: dict, since: float, until: float) -> float | None:
    """The evaluation timestamp at which the alert first entered ``state`` (pending or firing)."""
    first = None
    for metric, samples in raw_samples(prom, f'ALERTS{{alertname="{alertname}",alertstate="{state}"}}', since, until):
        if any(metric.get(k) != v for k, v in labels.items()):
            continue
        times = [t for t, _ in samples if t >= since]
        if times:
            first = times[0] if first is None else min(first, times[0])
    return first


def alert_resolved_at(prom: PrometheusClient, alertname: str, labels: dict, since: float, until: float,
                      evaluation_seconds: float) -> float | None:
    """The evaluation at which the alert, firing since before ``since`` or after it, no longer fired
    (its last firing sample plus one interval), once an evaluation after it has passed; else None."""
    last = None
    for metric, samples in raw_samples(prom, f'ALERTS{{alertname="{alertname}",alertstate="firing"}}', since, until):
        if all(metric.get(k) == v for k, v in labels.items()) and samples:
            last = samples[-1][0] if last is None else max(last, samples[-1][0])
    if last is None or until <= last + evaluation_seconds:
        return None
    return last + evaluation_seconds


def pending_since(prom: PrometheusClient, alertname: str, labels: dict, since: float, firing: float,
                  for_seconds: float, evaluation_seconds: float) -> float | None:
    """Prometheus' activeAt for the alert that fired at ``firing``. It lies in (firing - for - E, firing - for]:
    an expression that flapped while its window ramped up reset `for`, and those earlier pending
    evaluations do not count (a missed evaluation leaves the same gap as a reset, so gaps cannot tell)."""
    earliest = firing - for_seconds - evaluation_seconds - 0.001
    best = None
    for metric, samples in raw_samples(prom, f'ALERTS{{alertname="{alertname}",alertstate="pending"}}', since, firing):
        if any(metric.get(k) != v for k, v in labels.items()):
            continue
        times = [t for t, _ in samples if max(since, earliest) < t < firing]
        if times:
            best = times[0] if best is None else min(best, times[0])
    return best


def failed_scrapes(prom: PrometheusClient, since: float, until: float) -> list[str]:
    """The targets (job/instance) with a failed scrape in [since, until]: each marks its series stale, which
    empties an alert's expression for one evaluation and restarts its `for`."""
    window_ms = max(1, int((until - since) * 1000))
    failed = prom.query_at(f"min_over_time(up[{window_ms}ms]) == 0", until)
    return sorted(f"{r['metric'].get('job', '?')}/{r['metric'].get('instance', '?')}" for r in failed)


def alertmanager_received_at(log_text: str, alertname: str, since: float) -> float | None:
    """Alertmanager's own time of the first receipt of the alert at or after ``since`` (debug log)."""
    for ts, name in AM_RECEIVED.findall(log_text):
        if name != alertname:
            continue
        at = parse_time(ts)
        if at >= since - 0.002:  # the log has millisecond resolution
            return at
    return None


def parse_time(text: str) -> float:
    """RFC 3339 with up to nanoseconds, as Prometheus and Alertmanager write it."""
    text = text.replace("Z", "+00:00")
    match = re.match(r"^(.*\.\d{6})\d*(.*)$", text)
    if match:
        text = match.group(1) + match.group(2)
    return datetime.fromisoformat(text).timestamp()
