"""Render every case through a real Alertmanager into the local sinks, firing then resolved.

Each integration of each receiver delivers under a key of its own; within one batch no receiver has two
cases, so every delivery (or every failure Alertmanager logs) belongs to exactly one case. The alerts carry
fixed times, so what a template prints of them is the same on every run.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from monsuite.errors import UserError
from monsuite.routing.engines import ALERTMANAGER_BINARIES, LiveAlertmanager, logged_errors
from monsuite.runtimes.process import find_binary
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
SILENCE_TIMEOUT = 30.0
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
    alertmanager: str = ""  # the binary
    version: str = ""  # its release, major.minor: golden files are kept per release


def alertmanager_version(binary: str) -> str:
    """major.minor, from `--version` or, for a build without version stamps, the release in its path."""
    said = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    found = re.search(r"version (\d+\.\d+)\.\d+", said.stdout + said.stderr) or \
        re.search(r"v(\d+\.\d+)\.\d+", os.path.realpath(binary))
    return found.group(1) if found else "unknown"


WORKERS = 3  # Alertmanagers rendering side by side: the render mostly waits on their group timers


def render(config: TemplateConfig, cases: list[Case], workdir: Path, *, alertmanager: str | None = None,
           workers: int = WORKERS) -> RenderRun:
    run = RenderRun(config, cases)
    started = time.monotonic()
    planned = batches(cases)
    shares = [planned[n::workers] for n in range(min(workers, len(planned)))]
    with LocalSinks() as sinks, ExitStack() as running:
        renderers = []
        for number, share in enumerate(shares):
            own = [c for batch in share for c in batch]
            renderers.append(running.enter_context(Renderer(config, own, sinks, workdir, f"w{number}", alertmanager)))
        binary = renderers[0].am.binary if renderers else alertmanager or find_binary(ALERTMANAGER_BINARIES)
        if binary:
            run.alertmanager, run.version = binary, alertmanager_version(binary)
        with ThreadPoolExecutor(max_workers=max(1, len(renderers)), thread_name_prefix="template-render") as pool:
            for rendered in pool.map(lambda pair: pair[0].run(pair[1]), zip(renderers, shares)):
                run.rendered += rendered
    order = {id(c): i for i, c in enumerate(cases)}
    run.rendered.sort(key=lambda r: (order[id(r.case)], r.state != "firing", r.integration.key))
    run.seconds = time.monotonic() - started
    return run


class Renderer:
    """One Alertmanager with the routes of its share of the cases; its integrations deliver under keys with
    its own prefix, so renderers side by side never read each other's deliveries."""

    def __init__(self, config: TemplateConfig, cases: list[Case], sinks: LocalSinks, workdir: Path, prefix: str,
                 binary: str | None):
        self.config, self.sinks, self.prefix = config, sinks, prefix
        self.path = workdir / f"alertmanager-render-{prefix}.yml"
        self.path.write_text(dump(rendering_config(config, [c.route for c in cases], sinks.http_url, sinks.smtp_address,
                                                   prefix)))
        self.log = workdir / f"alertmanager-render-{prefix}.log"
        self.am = LiveAlertmanager(self.path, binary=binary, log=self.log, args=(f"--web.external-url={EXTERNAL_URL}",))

    def __enter__(self) -> "Renderer":
        try:
            self.am.__enter__()
        except UserError as exc:
            raise UserError(f"{self.config.source}: Alertmanager refuses it: {str(exc).split(': ', 1)[-1]}") from None
        return self

    def __exit__(self, *exc) -> None:
        self.am.__exit__(*exc)

    def run(self, share: list[list[Case]]) -> list[Rendered]:
        rendered = []
        for batch in share:
            firing = self._firing(batch)
            # Alertmanager sends a resolved notice only where it sent the firing one
            sent = [(r.case, r.integration) for r in firing if r.fields is not None and r.integration.sends_resolved]
            every = {a.key: a for case in batch for a in case.alerts}
            rendered += firing + self._phase(list(every.values()), sent, "resolved")
        return rendered

    def _firing(self, batch: list[Case]) -> list[Rendered]:
        """A group of several is made as Alertmanager makes one: its first alert is notified at once (an alert
        that started long ago skips group_wait), the others join it and go out together at the group's next
        tick. Posting them together would race that first flush."""
        expected = [(c, i) for c in batch for i in self.config.of_receiver(c.receiver)]
        first = {a.key: a for c in batch for a in (c.alerts[:1] if c.several else c.alerts)}
        results = self._phase(list(first.values()), expected, "firing")
        several = [(c, i) for c, i in expected if c.several]
        if not several:
            return results
        joining = {a.key: a for c, _ in several for a in c.alerts[1:]}
        return [r for r in results if not r.case.several] + self._phase(list(joining.values()), several, "firing")

    def _phase(self, alerts: list[Posted], expected: list[tuple[Case, Integration]], state: str) -> list[Rendered]:
        since, log_offset = self.sinks.last_id(), self.log.stat().st_size
        self.am.post([postable(a, state) for a in alerts])

        def outcome() -> dict:
            with self.log.open("rb") as log:
                log.seek(log_offset)
                failures = failures_in(log.read().decode(errors="replace"))
            found = {}
            for _, integration in expected:
                arrived = self.sinks.store.query(receiver=self.prefix + integration.key, since_id=since)
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


def failures_in(log_text: str) -> dict[tuple[str, str], str]:
    """(receiver, integration) -> the reason, from Alertmanager's "Notify for alerts failed" lines."""
    found = {}
    for err in logged_errors(log_text, "Notify for alerts failed"):
        for receiver, label, reason in ONE_FAILURE.findall(err):
            found[(receiver, label)] = reason
    return found
