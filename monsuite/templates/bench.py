"""Render every case through a real Alertmanager into the local sinks, firing then resolved.

Each integration of each receiver delivers under a key of its own; within one batch no receiver has two
cases, so every delivery (or every failure Alertmanager logs) belongs to exactly one case. The alerts carry
fixed times, so what a template prints of them is the same on every run.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from monsuite.routing.engines import LiveAlertmanager
from monsuite.sinks.local import LocalSinks
from monsuite.templates.cases import Case, Posted
from monsuite.templates.config import Integration, TemplateConfig, dump, rendering_config
from monsuite.templates.fields import fields_of
from monsuite.waits import WaitTimeout, wait_until

STARTS_AT = "2026-01-01T12:00:00Z"
RESOLVED_AT = "2026-01-01T12:05:00Z"
FIRING_ENDS_AT = "2099-01-01T00:00:00Z"  # still firing whenever the render runs
EXTERNAL_URL = "http://127.0.0.1:9093"  # what the notifications link to; the real port is a free one
# Neither a delivery nor a logged failure within this time: the notification was dropped without a word.
SILENCE_TIMEOUT = 3.0
FAILED = re.compile(r'msg="Notify for alerts failed".*?\berr="((?:[^"\\]|\\.)*)"')
ONE_FAILURE = re.compile(r"(?:^|; )(.*?)/(\w+\[\d+\]): notify retry canceled[^:]*: (.*?)(?=; [^;]*/\w+\[\d+\]: notify retry|$)")


@dataclass
class Rendered:
    case: Case
    state: str  # firing | resolved
    integration: Integration
    fields: dict[str, str] | None  # None: nothing arrived
    error: str = ""  # why Alertmanager did not send it (its log), or that nothing came at all


@dataclass
class RenderRun:
    config: TemplateConfig
    cases: list[Case]
    rendered: list[Rendered] = field(default_factory=list)
    seconds: float = 0.0
    alertmanager: str = ""


def render(config: TemplateConfig, cases: list[Case], workdir: Path, *, alertmanager: str | None = None) -> RenderRun:
    run = RenderRun(config, cases)
    started = time.monotonic()
    with LocalSinks() as sinks:
        path = workdir / "alertmanager-render.yml"
        path.write_text(dump(rendering_config(config, [c.route for c in cases], sinks.http_url, sinks.smtp_address)))
        log = workdir / "alertmanager-render.log"
        with LiveAlertmanager(path, binary=alertmanager, log=log, args=(f"--web.external-url={EXTERNAL_URL}",)) as am:
            run.alertmanager = am.binary
            for batch in batches(cases):
                firing = _phase(am, sinks, log, batch, [(c, i) for c in batch for i in config.of_receiver(c.receiver)],
                                "firing")
                # Alertmanager sends a resolved notice only where it sent the firing one
                sent = [(r.case, r.integration) for r in firing if r.fields is not None and r.integration.sends_resolved]
                run.rendered += firing + _phase(am, sinks, log, batch, sent, "resolved")
    run.seconds = time.monotonic() - started
    return run


def batches(cases: list[Case]) -> list[list[Case]]:
    """Cases grouped so that no receiver has two cases in a batch; the cases of one alert set stay together
    (their alerts are posted once)."""
    by_set: dict[tuple, list[Case]] = {}
    for case in cases:
        by_set.setdefault(tuple(a.key for a in case.alerts), []).append(case)
    made: list[tuple[set[str], list[Case]]] = []
    for together in by_set.values():
        receivers = {c.receiver for c in together}
        home = next((b for b in made if not b[0] & receivers), None)
        if home is None:
            made.append((set(receivers), list(together)))
        else:
            home[0].update(receivers)
            home[1].extend(together)
    return [b[1] for b in made]


def postable(alert: Posted, state: str) -> dict:
    return {"labels": alert.labels, "annotations": alert.annotations, "startsAt": STARTS_AT,
            "endsAt": RESOLVED_AT if state == "resolved" else FIRING_ENDS_AT, "generatorURL": alert.example.generator_url}


def _phase(am: LiveAlertmanager, sinks: LocalSinks, log: Path, batch: list[Case],
           expected: list[tuple[Case, Integration]], state: str) -> list[Rendered]:
    since, log_offset = sinks.last_id(), log.stat().st_size
    posted = {a.key: a for case in batch for a in case.alerts}
    am.post([postable(a, state) for a in posted.values()])

    def outcome() -> dict:
        failures = failures_in(log.read_text(errors="replace")[log_offset:])
        found = {}
        for case, integration in expected:
            arrived = sinks.store.query(receiver=integration.key, since_id=since)
            if arrived:
                found[integration.key] = arrived[0]
            elif (integration.receiver, integration.label) in failures:
                found[integration.key] = failures[(integration.receiver, integration.label)]
        return found

    try:
        seen = wait_until(outcome, accept=lambda found: len(found) == len(expected), timeout=SILENCE_TIMEOUT,
                          what=f"{len(expected)} {state} notifications")
    except WaitTimeout:
        seen = outcome()
    results = []
    for case, integration in expected:
        got = seen.get(integration.key)
        if got is None:
            results.append(Rendered(case, state, integration, None,
                                    f"nothing arrived within {SILENCE_TIMEOUT:.0f} s and Alertmanager logged no failure"))
        elif isinstance(got, str):
            results.append(Rendered(case, state, integration, None, got))
        else:
            results.append(Rendered(case, state, integration, fields_of(got, integration)))
    return results


def failures_in(log_text: str) -> dict[tuple[str, str], str]:
    """(receiver, integration) -> the reason, from Alertmanager's "Notify for alerts failed" lines."""
    found = {}
    for match in FAILED.finditer(log_text):
        try:
            err = json.loads(f'"{match.group(1)}"')
        except ValueError:
            err = match.group(1)
        for receiver, label, reason in ONE_FAILURE.findall(err):
            found[(receiver, label)] = reason
    return found
