"""Run a routing case file through amtool and a live Alertmanager, and say where anything disagrees."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from monsuite.routing.cases import Cases, load_cases
from monsuite.routing.config import load_config, write_routing_only
from monsuite.routing.engines import LiveAlertmanager, amtool_routes, live_inhibitions, live_routes, live_silences, timed


@dataclass
class RoutingReport:
    config: str
    cases: Cases
    amtool: list | None = None
    live: list | None = None
    inhibitions: list | None = None
    silences: list | None = None
    seconds: dict = field(default_factory=dict)
    receivers: tuple[str, ...] = ()  # the receivers the config defines

    def problems(self) -> list[str]:
        found = []
        for i, case in enumerate(self.cases.routes):
            want = case.receivers
            absent = [name for name in want if self.receivers and name not in self.receivers]
            if absent:
                found.append(f"routes[{i}] {case.labels}: expects receiver {', '.join(map(repr, absent))}, which the "
                             f"Alertmanager config does not define (it has {', '.join(self.receivers)})")
                continue
            got = {name: result[i] for name, result in (("amtool", self.amtool), ("live", self.live)) if result is not None}
            for engine, receivers in got.items():
                if receivers != want:
                    found.append(f"routes[{i}] {case.labels}: {engine} routes to {list(receivers)}, expected {list(want)}")
            if len(got) == 2 and got["amtool"] != got["live"]:
                found.append(f"routes[{i}] {case.labels}: amtool and the live Alertmanager disagree "
                             f"({list(got['amtool'])} vs {list(got['live'])})")
        for i, (case, inhibited) in enumerate(zip(self.cases.inhibitions, self.inhibitions or [])):
            if inhibited != case.inhibited:
                found.append(f"inhibitions[{i}]: target {case.target} {'is' if inhibited else 'is not'} inhibited by "
                             f"{case.source}, expected {'inhibited' if case.inhibited else 'not inhibited'}")
        for i, (case, silenced) in enumerate(zip(self.cases.silences, self.silences or [])):
            if silenced != case.silenced:
                found.append(f"silences[{i}]: {case.alert} {'is' if silenced else 'is not'} silenced, expected "
                             f"{'silenced' if case.silenced else 'not silenced'}")
        return found

    def per_case_ms(self) -> dict:
        """Time per routing case, of the routing cases alone (the live Alertmanager's start and the
        inhibition and silence cases, which wait on its timers, are reported apart)."""
        n = len(self.cases.routes) or 1
        return {k: round(v * 1000 / n, 3) for k, v in self.seconds.items() if k in ("amtool", "live_routes")}


def run_routing_test(config: Path, cases_path: Path, *, use_amtool: bool = True, use_live: bool = True) -> RoutingReport:
    cases = load_cases(cases_path)
    report = RoutingReport(str(config), cases, receivers=tuple(r.get("name") for r in load_config(config)["receivers"]
                                                               if isinstance(r, dict)))
    with tempfile.TemporaryDirectory(prefix="monsuite-routes-") as tmp:
        safe = write_routing_only(Path(config), Path(tmp) / "alertmanager.yml")
        if use_amtool and cases.routes:
            report.amtool, report.seconds["amtool"] = timed(amtool_routes, safe, cases, Path(config))
        if use_live:
            started = time.perf_counter()
            with LiveAlertmanager(safe) as am:
                report.seconds["live_start"] = time.perf_counter() - started
                report.live, report.seconds["live_routes"] = timed(live_routes, am, cases)
                report.inhibitions, report.seconds["live_inhibitions"] = timed(live_inhibitions, am, cases)
                report.silences, report.seconds["live_silences"] = timed(live_silences, am, cases)
            report.seconds["live_total"] = time.perf_counter() - started
    return report
