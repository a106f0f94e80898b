"""The nightly verification: on one stack (started here, or an external one), in order,
1. the alert conformance campaign (alerts.json, alerts.html),
2. every stack dashboard loaded as Grafana would (load times),
3. a bounded, fault-free Locust session (alerts that fire during it are false alarms: noise),
4. the SLO report over the stack's Prometheus and the run's own measurements (monsuite.slo),
written to one directory: report.html, report.json, junit.xml, summary.md beside the campaign's files.
Every input is read and checked before anything starts.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from monsuite.alerts import canary
from monsuite.alerts.html import write_html
from monsuite.alerts.report import write_json
from monsuite.alerts.scenarios import load_for_stack
from monsuite.clients.jaeger import JaegerClient
from monsuite.clients.prometheus import PrometheusClient
from monsuite.dashboards.model import load_dashboard
from monsuite.dashboards.runner import run_dashboard
from monsuite.errors import UserError
from monsuite.load.locust_run import LOCUSTFILE, run_locust
from monsuite.load.scenario import load_scenario, scenario_path
from monsuite.options import RunOptions
from monsuite.sinks.client import SinkClient
from monsuite.slo.compute import evaluate_all
from monsuite.slo.conformance import RunMeasurements
from monsuite.slo.exclusions import planned_faults
from monsuite.slo.report import read_report_json, verdict_line, write_report
from monsuite.slo.spec import load_specs
from monsuite.stack import Stack

if TYPE_CHECKING:
    from monsuite.run import Run
from monsuite.timescale import parse_ms
from monsuite.trace_coverage import coverage, coverage_in_jaeger, exporting
from monsuite.userio.outputs import write_atomic


TRACED_REQUESTS = 200


@dataclass(frozen=True)
class NightlyPlan:
    options: RunOptions
    out: Path
    spec: Path | None = None  # default: the stack's slo.yaml
    load: str = "baseline"
    users: int | None = None
    duration: str | None = "30s"
    baseline: Path | None = None


@dataclass
class NightlyOutcome:
    violated: list[str]
    campaign_failed: list[str]
    seconds: dict[str, float]


def run_nightly(run: "Run", plan: NightlyPlan) -> NightlyOutcome:
    manifest, log = run.manifest, run.log
    spec = plan.spec or manifest.directory / "slo.yaml"
    if not spec.exists():
        raise UserError(f"{spec}: no SLO spec; write one (Sloth prometheus/v1, OpenSLO v1 or monsuite/v1) or pass --spec")
    slos = load_specs(spec)
    scenarios, rules = load_for_stack(manifest)
    session = load_scenario(scenario_path(plan.load, LOCUSTFILE.parent / "scenarios"), users=plan.users, duration=plan.duration)
    baseline = read_report_json(plan.baseline, "--baseline") if plan.baseline else None
    dashboards = [load_dashboard(p) for p in sorted((manifest.directory / "dashboards").glob("*.json"))]
    seconds: dict[str, float] = {}
    with run.stack() as stack:
        plan.out.mkdir(parents=True, exist_ok=True)
        prometheus_url = stack.first_url("prometheus")
        began, run_began = time.monotonic(), time.time()
        campaign = run.campaign(stack, scenarios=scenarios, rules=rules)
        campaign.run()
        body = write_json(campaign, plan.out / "alerts.json")
        write_html(campaign, plan.out / "alerts.html")
        seconds["campaign"] = time.monotonic() - began
        log(f"nightly: alert campaign {seconds['campaign']:.1f}s, "
            f"{sum(s['status'] == 'passed' for s in body['scenarios'])}/{len(body['scenarios'])} scenarios passed")

        began = time.monotonic()
        scrape_ms = parse_ms(stack.profile_values.get("scrape_interval", "15s"))
        loads = [run_dashboard(d, prometheus_url, scrape_ms=scrape_ms).load_seconds for d in dashboards]
        seconds["dashboards"] = time.monotonic() - began

        began = time.monotonic()
        target = stack.first_url("app") or stack.url("demo")
        false_alarms, quiet_window = None, None
        if target:
            started = time.time()
            result = run_locust(session, target, pushgateway=stack.url("pushgateway"))
            quiet_window = (started, time.time())
            # sampled at the evaluation interval: an alert that fired for one evaluation still counts
            false_alarms = fired_during(PrometheusClient(prometheus_url), *quiet_window,
                                        step=parse_ms(stack.profile_values.get("evaluation_interval", "15s")) / 1000)
            log(f"nightly: load {session.name} {result.requests} requests at {result.rps:.0f} req/s; "
                f"alerts fired without a fault: {', '.join(false_alarms) or 'none'}")
        seconds["load"] = time.monotonic() - began
        began = time.monotonic()
        traces = _trace_coverage(stack, target, log)
        seconds["traces"] = time.monotonic() - began

        began = time.monotonic()
        measured = RunMeasurements(campaign=body, dashboard_seconds=loads, false_alarms=false_alarms, traces=traces)
        scale = stack.profile_values.get("time_scale", 1)
        at, window_ms = time.time(), None
        if stack.runtime != "external":
            # A stack started for the night has no past before this run: its Prometheus SLOs are judged over
            # the run (an external stack: over each SLO's own window).
            at = quiet_window[1] if quiet_window else at
            window_ms = int(round(at - run_began) * 1000 * scale)
        # the campaign's injected faults are planned: kept out of every SLI, budget and burn rate, costed apart
        exclusions = planned_faults(body)
        results = evaluate_all(slos, PrometheusClient(prometheus_url), at=at, window_ms=window_ms, measured=measured,
                               scale=scale, exclusions=exclusions)
        latencies = [s["stages_ms"]["fault_to_delivered"] for s in body["scenarios"]
                     if s["stages_ms"].get("fault_to_delivered") is not None]
        data = write_report(results, plan.out, prometheus=prometheus_url,
                            at=datetime.now(tz=timezone.utc).isoformat(timespec="seconds"), baseline=baseline, alert_latencies_ms=latencies,
                            exclusions=exclusions)
        seconds["slo_report"] = time.monotonic() - began
    for result in results:
        log(verdict_line(result))
    write_atomic((plan.out / "nightly.json"), json.dumps({"seconds": seconds, "false_alarms": false_alarms,
                                                       "worse_than_baseline": data["worse_than_baseline"]}, indent=2) + "\n")
    return NightlyOutcome([r.key for r in results if r.verdict == "violated"],
                          [s["scenario"] for s in body["scenarios"] if s["status"] == "failed"], seconds)


def _trace_coverage(stack: Stack, service: str | None, log) -> tuple[int, int] | None:
    """Where the demo service exports traces: its traces found for TRACED_REQUESTS requests, read from Jaeger's
    query API where Jaeger runs, else from the sinks' OTLP receiver."""
    receiver, jaeger = stack.first_url("sink"), stack.url("jaeger")
    if not service or not (receiver or jaeger) or not exporting(service):
        return None
    if jaeger:
        found, sent = coverage_in_jaeger(service, JaegerClient(jaeger), TRACED_REQUESTS)
    else:
        found, sent = coverage(service, SinkClient(receiver), TRACED_REQUESTS)
    log(f"nightly: trace coverage {found}/{sent} ({'Jaeger' if jaeger else 'OTLP receiver'})")
    return found, sent


def fired_during(prometheus: PrometheusClient, start: float, end: float, *, step: float) -> list[str]:
    """Alerts that went firing between start and end (not the pipeline canary, not those already firing)."""
    matrix = prometheus.query_range(f'ALERTS{{alertstate="firing", alertname!="{canary.ALERT}"}}', start, end, step)
    fired = []
    for series in matrix:
        if series["values"] and float(series["values"][0][0]) > start + step:  # it began inside the session
            labels = series["metric"]
            fired.append(labels.get("alertname", "?") + "{" + ",".join(
                f"{k}={v}" for k, v in sorted(labels.items()) if k not in ("__name__", "alertname", "alertstate")) + "}")
    return sorted(fired)
