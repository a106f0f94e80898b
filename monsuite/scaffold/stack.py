"""Write a stack directory from a user's files: their rules, Alertmanager config (rewired to the local
sinks), Prometheus settings and dashboards, around the components of the minimal stack plus a
Pushgateway, with a live scenario from the scenario generator for each alert rule a fault can fire."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from monsuite.dashboards.model import load_dashboard
from monsuite.errors import UserError
from monsuite.routing.cases import Cases, RouteCase
from monsuite.routing.config import load_config
from monsuite.routing.engines import amtool_routes
from monsuite.rules.model import load_rules
from monsuite.scaffold.components import components_yaml
from monsuite.scaffold.alertmanager import rewire, uses_named_templates
from monsuite.scaffold.jinja import Placeholder, dump_template
from monsuite.timescale import parse_ms
from monsuite.userio.inputs import read_yaml
from monsuite.userio.outputs import directory_in_place

HEADER = "# Written by `monsuite init`; edit freely.\n"
# An objective for the stack's demo service (component `service`), so that `monsuite nightly` runs as
# written; replace it with your services' objectives (Sloth prometheus/v1, OpenSLO v1 or monsuite/v1).
SLO_SPEC = HEADER + """# The demo service's availability; replace it with your own services' objectives.
version: prometheus/v1
service: service
slos:
  - name: availability
    objective: 99
    description: demo service requests answered without a server error
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="service", status=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="service"}[{{.window}}]))
"""
# Without a Prometheus config: the intervals rule authors commonly assume (Prometheus' own default is 1m,
# at which a rate() over [1m] never has two samples).
PROMETHEUS_DEFAULTS = {"scrape_interval": "15s", "scrape_timeout": "10s", "evaluation_interval": "15s"}
TIME_SCALE = 60


@dataclass
class InitReport:
    directory: Path
    alerts: int = 0
    scenarios: int = 0
    unsupported: list[tuple[str, str]] = field(default_factory=list)  # (alert, why no scenario)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"{self.directory}: stack written; {self.scenarios} starting scenarios for {self.alerts} alert rules"]
        lines += [f"  no scenario for {alert}: {why}" for alert, why in self.unsupported]
        lines += [f"  note: {note}" for note in self.notes]
        lines.append(f"next: monsuite scenarios check --stack {self.directory}; pytest suites --stack {self.directory}")
        return lines


def init_stack(directory: Path, rules: list[Path], alertmanager_config: Path | None, prometheus_config: Path | None = None,
               dashboards: list[Path] = (), templates: list[Path] = ()) -> InitReport:
    if directory.exists() and any(directory.iterdir()):
        raise UserError(f"{directory}: not empty; init writes a new stack into an empty or new directory")
    # every file given is read (and a broken one named) before anything is written or asked for
    prometheus = read_yaml(prometheus_config, "Prometheus config") if prometheus_config else {}
    for path in dashboards:  # a dashboard that would break the stack's checks later is refused now
        load_dashboard(path)
    alert_rules = [r for path in rules for r in load_rules(path) if r.alert]
    am = load_config(alertmanager_config) if alertmanager_config else None
    if not rules or am is None:
        raise UserError("init needs --rules and --alertmanager-config (or --example minimal for a stack to start from)")
    if not templates and uses_named_templates(am):
        raise UserError(f"{alertmanager_config}: {uses_named_templates(am)[0]} calls a named template; "
                        "pass the template files with --templates")
    settings = {**PROMETHEUS_DEFAULTS, **(prometheus.get("global") or {})}
    external_labels = settings.pop("external_labels", None) or {}

    report = InitReport(directory, alerts=len(alert_rules))
    rewired = rewire(am, with_templates=bool(templates))
    report.notes += rewired.notes
    if prometheus.get("scrape_configs"):
        report.notes.append(f"{prometheus_config}: scrape_configs left out; the stack scrapes its own components "
                            "(add your exporters as components to scrape them)")

    with directory_in_place(directory) as staging:  # a failure below leaves no half-written stack
        _write(report, staging, directory.name, rules, alertmanager_config, dashboards, templates, rewired, settings,
               external_labels, alert_rules)
    return report


def _write(report, directory: Path, name: str, rules, alertmanager_config, dashboards, templates, rewired, settings,
           external_labels, alert_rules) -> None:
    _copy(rules, directory / "rules")
    _copy(dashboards, directory / "dashboards")
    _copy(templates, directory / "templates")
    (directory / "alertmanager.yml.j2").write_text(dump_template(rewired.config, HEADER))
    (directory / "prometheus.yml.j2").write_text(_prometheus_template(external_labels))
    real = {"scrape_interval": settings["scrape_interval"], "scrape_timeout": settings["scrape_timeout"],
            "evaluation_interval": settings["evaluation_interval"], **rewired.profile}
    (directory / "stack.yaml").write_text(_stack_yaml(name, real))

    routes = _routing_table(alert_rules, _router(alertmanager_config), external_labels)
    (directory / "routes.yaml").write_text(routes)
    (directory / "slo.yaml").write_text(SLO_SPEC)
    scenarios = _generated(directory, yaml.safe_load(routes)["routes"], _budget(rewired.profile), report)
    report.scenarios = len(scenarios)
    (directory / "scenarios.yaml").write_text(HEADER + yaml.safe_dump({"scenarios": scenarios}, sort_keys=False, width=120))


def _generated(directory: Path, routes: list[dict], budget: str, report: InitReport) -> list[dict]:
    """promtool tests for every alert rule (rule-tests/), and a live scenario from the same generated
    input for every rule a fault can fire in the stack."""
    from monsuite.generate.generator import generate, rendered_unit_tests
    from monsuite.generate.live import NotLive, live_scenario, scrape_jobs
    from monsuite.manifest import load_manifest

    outcome = generate(sorted((directory / "rules").glob("*")))
    if outcome.generated:
        tests = directory / "rule-tests"
        tests.mkdir()
        header = "# Generated by `monsuite init` from the alert rules' PromQL; regenerate with `monsuite scenarios generate`.\n"
        for path, text in rendered_unit_tests(outcome, tests / "generated-test.yml", header).items():
            path.write_text(text)
        report.notes.append(f"{outcome.rules_covered}/{outcome.alert_rules} alert rules have generated promtool tests "
                            "(rule-tests/generated-test.yml)")
    components = set(load_manifest(directory).components)
    jobs = scrape_jobs(directory / "prometheus.yml.j2")
    scenarios, unsupported = [], [(rule.alert, why) for rule, why in outcome.unsupported]
    for generated in outcome.generated:
        if generated.via:
            continue
        try:
            scenarios.append(live_scenario(generated, routes, components, jobs, TIME_SCALE, budget))
        except NotLive as exc:
            unsupported.append((generated.rule.alert, str(exc)))
    _unique_names(scenarios)
    order = {rule: i for i, rule in enumerate(r["labels"]["alertname"] for r in routes)}
    report.unsupported += sorted(unsupported, key=lambda item: order.get(item[0], len(order)))
    return scenarios


def _unique_names(scenarios: list[dict]) -> None:
    """Rules may share an alert name (kube-prometheus: a warning and a critical rule of one name); their
    scenarios are told apart by the severity they carry, else a number."""
    seen: set[str] = set()
    for scenario in scenarios:
        name = scenario["name"]
        if name in seen:
            severity = str((scenario.get("labels") or {}).get("severity", ""))
            name = f"{scenario['name']}-{severity}" if severity and f"{scenario['name']}-{severity}" not in seen else name
            n = 2
            while name in seen:
                name, n = f"{scenario['name']}-{n}", n + 1
            scenario["name"] = name
        seen.add(name)


def _routing_table(alert_rules, receivers_for, external_labels: dict) -> str:
    """Each alert rule's labels and the receivers your config routes them to today: the baseline the
    routing suite holds the config to (through amtool and a live Alertmanager) from now on."""
    routes = []
    for rule in alert_rules:
        labels = {**external_labels, **{k: str(v) for k, v in rule.labels.items() if "{{" not in str(v)},
                  "alertname": rule.alert}
        routes.append({"labels": labels, "receivers": receivers_for(labels)})
    return (HEADER + "# Each alert rule's labels and where the Alertmanager config routed them when init ran.\n"
            + yaml.safe_dump({"routes": routes}, sort_keys=False, width=120))


def _copy(files, into: Path) -> None:
    if not files:
        return
    into.mkdir(parents=True, exist_ok=True)
    for path in files:
        if not Path(path).is_file():
            raise UserError(f"{path}: no such file")
        target, n = into / Path(path).name, 1
        while target.exists():  # two inputs of one name (objects of two namespaces, files of two folders)
            n += 1
            target = into / f"{Path(path).stem}-{n}{Path(path).suffix}"
        shutil.copyfile(path, target)


def _router(config: Path):
    def receivers_for(labels: dict) -> list[str]:
        case = RouteCase({k: str(v) for k, v in labels.items()}, ())
        return list(amtool_routes(config, Cases((case,), (), ()))[0])
    return receivers_for


def _budget(profile: dict) -> str:
    """firing -> delivered may take the longest group_wait in the routing tree, plus 30 s (the seeds' target)."""
    waits = [parse_ms(v) for k, v in profile.items() if k.endswith("group_wait")]
    return f"{(max(waits, default=0) + 30_000) // 1000}s"


def _prometheus_template(external_labels: dict) -> str:
    config = {
        "global": {"scrape_interval": Placeholder("{{ profile.scrape_interval }}"),
                   "scrape_timeout": Placeholder("{{ profile.scrape_timeout }}"),
                   "evaluation_interval": Placeholder("{{ profile.evaluation_interval }}"),
                   **({"external_labels": external_labels} if external_labels else {})},
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [Placeholder("127.0.0.1:{{ components.alertmanager.port }}")]}]}]},
        "rule_files": [Placeholder("{{ config_dir }}/rules/*")],
        "scrape_configs": [
            _job(name, port) for name, port in (
                ("prometheus", "prometheus.port"), ("alertmanager", "alertmanager.port"), ("service", "service.port"),
                ("traffic", "traffic.port"))
        ] + [{**_job("pushgateway", "pushgateway.port"), "honor_labels": True}],
    }
    return dump_template(config, HEADER)


def _job(name: str, port: str) -> dict:
    return {"job_name": name, "static_configs": [{"targets": [Placeholder("127.0.0.1:{{ components." + port + " }}")]}]}


def _stack_yaml(name: str, real: dict) -> str:
    ci = {"time_scale": TIME_SCALE, "scrape_timeout": _scaled(real["scrape_interval"])}
    manifest = {"name": name, "description": "written by monsuite init from your monitoring files",
                "rule_files": ["rules/*"], "scenarios": "scenarios.yaml",
                "profiles": {"real": real, "ci": ci}}
    return HEADER + yaml.safe_dump(manifest, sort_keys=False, width=120) + components_yaml()


def _scaled(duration: str) -> str:
    """The ci profile's scrape timeout: the whole scaled scrape interval (a busy machine needs it)."""
    return f"{max(1, parse_ms(duration) // TIME_SCALE)}ms"
