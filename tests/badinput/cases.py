"""Mistakes users make, one per case: what they ran, and what the one line monsuite prints must name.

A case runs in a fresh directory ({tmp}). {stack} is a copy of the shipped minimal stack with the case's
edits applied (file, text to replace, replacement); {files} are written into {tmp} first. The README's
troubleshooting table is generated from this list (scripts/badinput_table.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    id: str
    mistake: str  # in the user's words, for the README
    argv: tuple[str, ...]
    says: tuple[str, ...]  # every one of these is in the one line printed
    edits: tuple[tuple[str, str, str], ...] = ()
    files: tuple[tuple[str, str], ...] = ()
    exit: int = 2


UP = ("stack", "up", "--stack", "{stack}", "--runtime", "process", "--state-file", "{tmp}/state.json")
SCENARIOS = ("scenarios", "check", "--stack", "{stack}")
NOWHERE = "http://127.0.0.1:1"  # nothing listens on port 1


def manifest(id, mistake, old, new, *says, argv=UP):
    return Case(id, mistake, argv, ("stack.yaml", *says), edits=(("stack.yaml", old, new),))


def scenario(id, mistake, old, new, *says):
    return Case(id, mistake, SCENARIOS, ("scenarios.yaml", *says), edits=(("scenarios.yaml", old, new),))


def routes(id, mistake, text, *says, argv_tail=("--no-live",)):
    return Case(id, mistake, ("routes", "test", "--config", "{stack}/alertmanager.yml.j2", "{tmp}/cases.yaml", *argv_tail),
                ("cases.yaml", *says), files=(("cases.yaml", text),))


def dashboard(id, mistake, model, *says):
    text = model if isinstance(model, str) else json.dumps(model)
    return Case(id, mistake, ("dashboards", "check", "{tmp}/d.json", "--prometheus-url", NOWHERE), ("d.json", *says),
                files=(("d.json", text),))


def rules_file(id, mistake, text, *says, command="check"):
    """A broken file given to a command that checks it: a finding of that check (exit 1), not bad input."""
    argv = ("rules", command, "{tmp}/r.yml") + (("--prometheus-url", NOWHERE) if command == "check" else ())
    return Case(id, mistake, argv, ("r.yml", *says), files=(("r.yml", text),), exit=1)


SLOTH_SPEC = """version: prometheus/v1
service: s
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(x_total{code="500"}[{{.window}}]))
        total_query: sum(rate(x_total[{{.window}}]))
"""
OPENSLO_SPEC = """apiVersion: openslo/v1
kind: SLO
metadata: {name: a}
spec:
  service: s
  indicator:
    metadata: {name: i}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'x_total{code="200"}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: x_total}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
"""
AM_CONFIG = "route:\n  receiver: team\nreceivers:\n  - name: team\n    webhook_configs: [{url: 'http://127.0.0.1:9/hook'}]\n"
def slo_spec(id, mistake, text, *says):
    return Case(id, mistake, ("slo", "report", "--spec", "{tmp}/slo.yaml", "--prometheus-url", NOWHERE),
                ("slo.yaml", *says), files=(("slo.yaml", text),))



CASES = [
    # ---- the stack manifest ------------------------------------------------------------------------
    manifest("manifest-unknown-top-key", "a misspelt top-level key", "rule_files:", "colour: red\nrule_files:",
             "colour", "unknown key"),
    manifest("manifest-no-name", "an empty name", "name: minimal", "name: ''", "name", "required"),
    manifest("manifest-profiles-list", "profiles written as a list", "profiles:\n  real:", "profiles: [real]\nunused:\n  real:",
             "unused", "unknown key"),
    manifest("manifest-components-list", "components written as a list", "components:\n  prometheus:",
             "components: [prometheus]\nunused:\n  prometheus:", "unused"),
    manifest("manifest-unknown-component-key", "a misspelt component key", "    kind: prometheus",
             "    kind: prometheus\n    colour: red", "components.prometheus.colour", "unknown key"),
    manifest("manifest-bad-kind", "an unknown component kind", "    kind: prometheus", "    kind: prometheos",
             "components.prometheus.kind", "must be one of"),
    manifest("manifest-args-string", "args as one string",
             '    args: ["--port={{ this.port }}", "--otlp-endpoint=http://127.0.0.1:{{ components.sinks.ports.http }}/v1/traces"]',
             '    args: "--port={{ this.port }}"', "components.service.args", "list of strings"),
    manifest("manifest-ports-duplicate", "the same port name twice", "    ports: [http, smtp]", "    ports: [http, http]",
             "components.sinks.ports", "distinct"),
    manifest("manifest-env-list", "env as a list", "    module: monsuite.demo", "    module: monsuite.demo\n    env: [A=1]",
             "components.service.env", "mapping"),
    manifest("manifest-depends-unknown", "depends_on names a component that does not exist", "    depends_on: [service]",
             "    depends_on: [servise]", "components.traffic.depends_on", "'servise'"),
    manifest("manifest-depends-string", "depends_on as a string", "    depends_on: [service]", "    depends_on: service",
             "components.traffic.depends_on", "list"),
    manifest("manifest-stop-signal", "an unknown stop signal", "    module: monsuite.demo",
             "    module: monsuite.demo\n    stop_signal: SIGSTOP", "components.service.stop_signal", "must be one of"),
    manifest("manifest-ready-bad", "a readiness check of an unknown form", "    ready: {http: /live}", "    ready: {grpc: true}",
             "components.service.ready"),
    manifest("manifest-ready-relative", "a readiness path without a leading slash", "    ready: {http: /live}",
             "    ready: {http: live}", "components.service.ready.http", "'/'"),
    manifest("manifest-ready-timeout", "a negative readiness timeout", "    ready: {http: /live}",
             "    ready: {http: /live, timeout: -1}", "components.service.ready.timeout", "positive"),
    manifest("manifest-rule-files-string", "rule_files as a string", "rule_files: [rules/*.yml]", "rule_files: rules/*.yml",
             "rule_files", "list"),
    manifest("manifest-canary-string", "canary as a string", "rule_files:", "canary: 'no'\nrule_files:", "canary", "true"),
    manifest("manifest-time-scale-zero", "a time scale below 1", "    time_scale: 60", "    time_scale: 0",
             "profiles.ci.time_scale", ">= 1"),
    manifest("manifest-duration-garbage", "a profile duration that is not a duration", "    group_wait: 10s",
             "    group_wait: soon", "profiles.real.group_wait"),
    manifest("manifest-missing-group-wait", "a profile without group_wait", "    group_wait: 10s\n", "",
             "alertmanager.yml.j2", "profile.group_wait", "profiles.ci"),
    manifest("manifest-missing-eval", "a profile without evaluation_interval (with scenarios)", "    evaluation_interval: 15s\n", "",
             "evaluation_interval"),
    manifest("manifest-scenarios-list", "scenarios as a list", "scenarios: scenarios.yaml", "scenarios: [scenarios.yaml]",
             "scenarios", "path"),
    manifest("manifest-yaml-broken", "a YAML syntax error", "components:", "components: [", "invalid YAML"),
    manifest("manifest-tab-indent", "a tab in the indentation", "    kind: prometheus", "\tkind: prometheus", "invalid YAML"),
    Case("manifest-missing", "--stack names a directory without stack.yaml",
         ("stack", "up", "--stack", "{tmp}/empty", "--runtime", "process", "--state-file", "{tmp}/s.json"),
         ("empty", "stack.yaml"), files=(("empty/.keep", ""),)),
    Case("manifest-not-mapping", "stack.yaml is a list", ("stack", "up", "--stack", "{tmp}/l", "--state-file", "{tmp}/s.json"),
         ("stack.yaml", "mapping"), files=(("l/stack.yaml", "- a\n- b\n"),)),
    Case("manifest-config-missing", "a stack directory with only stack.yaml (configs missing)",
         ("stack", "up", "--stack", "{tmp}/bare", "--runtime", "process", "--state-file", "{tmp}/s.json"),
         ("prometheus.yml",), files=(("bare/stack.yaml", "name: bare\nprofiles: {ci: {}}\ncomponents:\n  prometheus:\n"
                                     "    kind: prometheus\n    binary: prometheus\n    args: ['--config.file={{ config_dir }}/prometheus.yml',"
                                     " '--web.listen-address=127.0.0.1:{{ this.port }}']\n    ports: [web]\n    ready: {http: /-/ready}\n"),)),
    manifest("manifest-template-undefined", "a template variable that does not exist", "--config.file={{ config_dir }}/prometheus.yml",
             "--config.file={{ config_dri }}/prometheus.yml", "config_dri"),
    manifest("manifest-binary-missing", "a binary that is not installed (process runtime)", "    binary: prometheus",
             "    binary: no-such-prometheus", "no-such-prometheus", "not found"),
    # ---- command-line options ----------------------------------------------------------------------
    Case("option-unknown-profile", "an unknown --profile", (*UP, "--profile", "weekly"), ("weekly",)),
    Case("option-stack-missing", "--stack names nothing", ("stack", "up", "--stack", "{tmp}/nope", "--state-file", "{tmp}/s.json"),
         ("nope",)),
    Case("option-external-no-url", "--runtime external with no URL",
         ("stack", "up", "--stack", "{stack}", "--runtime", "external", "--state-file", "{tmp}/s.json"), ("--prometheus-url",)),
    Case("option-url-garbage", "a URL that is not one", ("stack", "up", "--stack", "{stack}", "--runtime", "external",
                                                         "--prometheus-url", "garbage", "--state-file", "{tmp}/s.json"),
         ("garbage", "URL")),
    Case("option-url-scheme", "a URL with another scheme", ("rules", "check", "{stack}/rules/service.yml",
                                                           "--prometheus-url", "ftp://127.0.0.1:9090"), ("ftp://127.0.0.1:9090",)),
    Case("option-url-unreachable", "an external URL where nothing listens",
         ("stack", "up", "--stack", "{stack}", "--runtime", "external", "--prometheus-url", NOWHERE, "--state-file", "{tmp}/s.json"),
         ("127.0.0.1:1",)),
    Case("option-load-users", "a load run with 0 users", ("load", "run", "baseline", "--users", "0", "--host", NOWHERE), ("users",)),
    Case("option-load-duration", "a load run with a duration that is not one",
         ("load", "run", "baseline", "--duration", "forever", "--host", NOWHERE), ("forever",)),
    Case("option-load-scenario", "an unknown load scenario", ("load", "run", "tsunami", "--host", NOWHERE), ("tsunami",)),
    Case("option-load-host", "a load host that is not 127.0.0.1", ("load", "run", "baseline", "--host", "http://example.com"),
         ("example.com", "127.0.0.1")),
    Case("option-campaign-repeat", "--repeat 0", ("campaign", "--stack", "{stack}", "--repeat", "0", "--out", "{tmp}/out"),
         ("repeat",)),
    Case("option-dashboards-target", "a negative dashboard load target",
         ("dashboards", "check", "{stack}/dashboards/service.json", "--prometheus-url", NOWHERE, "--target", "-1"), ("target",)),
    Case("option-dashboards-scrape", "a scrape interval that is not a duration",
         ("dashboards", "check", "{stack}/dashboards/service.json", "--prometheus-url", NOWHERE, "--scrape-interval", "often"),
         ("often",)),
    # ---- state files -------------------------------------------------------------------------------
    Case("state-empty-object", "a state file holding {}", ("stack", "status", "--state-file", "{tmp}/s.json"),
         ("s.json", "not a monsuite state file"), files=(("s.json", "{}"),)),
    Case("state-empty-object-down", "stack down with a state file holding {}", ("stack", "down", "--state-file", "{tmp}/s.json"),
         ("s.json", "not a monsuite state file"), files=(("s.json", "{}"),)),
    Case("state-not-json", "a state file that is not JSON", ("stack", "status", "--state-file", "{tmp}/s.json"),
         ("s.json", "invalid JSON"), files=(("s.json", "run_id: x"),)),
    Case("state-missing-status", "stack status with no stack up", ("stack", "status", "--state-file", "{tmp}/none.json"),
         ("none.json", "no stack is up")),
    Case("state-missing-down", "stack down with no stack up", ("stack", "down", "--state-file", "{tmp}/none.json"),
         ("none.json", "no stack is up")),
    Case("state-already-up", "stack up while a state file exists", ("stack", "up", "--stack", "{stack}", "--state-file", "{tmp}/s.json"),
         ("s.json", "already up"), files=(("s.json", '{"run_id": "x", "components": {}}'),)),
    Case("state-list", "a state file holding a list", ("stack", "down", "--state-file", "{tmp}/s.json"),
         ("s.json", "not a monsuite state file"), files=(("s.json", "[]"),)),
    # ---- scenarios ---------------------------------------------------------------------------------
    scenario("scenario-unknown-alert", "a scenario for an alert no rule defines", "alert: ServiceMemoryNearLimit",
             "alert: ServiceMemoryNearLimt", "ServiceMemoryNearLimt"),
    scenario("scenario-unknown-key", "a misspelt scenario key", "    budget: 30s", "    budgett: 30s", "budgett"),
    scenario("scenario-budget-garbage", "a budget that is not a duration", "    budget: 30s", "    budget: quick", "budget"),
    scenario("scenario-fault-unknown", "a misspelt demo fault", "memory_limit_bytes: 1000000", "memory_limit_byte: 1000000",
             "memory_limit_byte"),
    scenario("scenario-fault-type", "a demo fault with a value of the wrong type", "memory_limit_bytes: 1000000",
             "memory_limit_bytes: lots", "memory_limit_bytes"),
    scenario("scenario-fault-kind", "an unknown fault kind", "fault: {demo:", "fault: {chaos:", "chaos"),
    scenario("scenario-labels-list", "labels as a list", "    labels: {severity: warning, job: service}",
             "    labels: [severity]", "labels"),
    scenario("scenario-receivers-string", "receivers as a string", "    receivers: [team-webhook]", "    receivers: team-webhook",
             "receivers"),
    scenario("scenario-receiver-unknown", "a receiver the Alertmanager config does not have", "    receivers: [team-webhook]",
             "    receivers: [team-webhok]", "team-webhok"),
    scenario("scenario-unit-values", "garbage unit input values", "values: 100000000x30}", "values: lots of memory}", "values"),
    scenario("scenario-unit-active-at", "a unit active_at that is not a duration", "      active_at: 30s", "      active_at: later",
             "active_at"),
    scenario("scenario-unit-series", "a unit input series that does not parse", "{series: 'process_resident_memory_bytes{job=\"service\", instance=\"svc:8000\"}'",
             "{series: 'process_resident_memory_bytes{job=}'", "series"),
    scenario("scenario-no-name", "a scenario without a name", "  - name: memory-near-limit\n", "  - description2: x\n", "name"),
    scenario("scenario-duplicate", "the same scenario name twice", "scenarios:\n", "scenarios:\n  - {name: memory-near-limit, alert: ServiceMemoryNearLimit, fault: {demo: {memory_limit_bytes: 1}}}\n",
             "memory-near-limit"),
    scenario("scenario-not-list", "scenarios as a mapping", "scenarios:\n  - name: memory-near-limit", "scenarios:\n  memory-near-limit:\n    name: x", "scenarios"),
    scenario("scenario-yaml", "a YAML error in scenarios.yaml", "scenarios:", "scenarios: [", "invalid YAML"),
    scenario("scenario-optional-string", "optional: \"no\" (a string, not a boolean)", "    budget: 30s", "    budget: 30s\n    optional: 'no'",
             "optional"),
    scenario("scenario-traffic-unknown", "an unknown traffic setting", "fault: {demo: {memory_limit_bytes: 1000000}}",
             "fault: {demo: {memory_limit_bytes: 1000000}, traffic: {speed: 9}}", "speed"),
    # ---- routing cases -----------------------------------------------------------------------------
    routes("routes-unknown-key", "a misspelt key in a routing case", "routes:\n  - labels: {alertname: A}\n    receivers: [team-webhook]\n    recievers: [x]\n",
           "recievers"),
    routes("routes-no-labels", "a routing case without labels", "routes:\n  - receivers: [team-webhook]\n", "labels"),
    routes("routes-receivers-string", "receivers as a string", "routes:\n  - labels: {alertname: A}\n    receivers: team-webhook\n",
           "receivers"),
    routes("routes-not-mapping", "a cases file that is a list", "- labels: {alertname: A}\n", "routes"),
    routes("routes-yaml", "a YAML error", "routes: [\n", "invalid YAML"),
    routes("routes-label-number", "a label value that is a mapping", "routes:\n  - labels: {alertname: {x: 1}}\n    receivers: [team-webhook]\n",
           "alertname"),
    routes("routes-unknown-section", "an unknown top-level section", "rutes:\n  - labels: {alertname: A}\n    receivers: [team-webhook]\n",
           "rutes"),
    Case("routes-nothing-checked", "--no-live and --no-amtool together (nothing would be checked)",
         ("routes", "test", "--config", "{stack}/alertmanager.yml.j2", "{stack}/routes.yaml", "--no-live", "--no-amtool"),
         ("--no-amtool", "--no-live")),
    Case("routes-config-missing", "--config names no file", ("routes", "test", "--config", "{tmp}/none.yml", "{stack}/routes.yaml", "--no-live"),
         ("none.yml",)),
    Case("routes-config-bad", "an Alertmanager config amtool rejects", ("routes", "test", "--config", "{tmp}/am.yml", "{stack}/routes.yaml", "--no-live"),
         ("am.yml",), files=(("am.yml", "route:\n  receiver: nobody\nreceivers: []\n"),)),
    Case("routes-cases-missing", "a cases file that does not exist", ("routes", "test", "--config", "{stack}/alertmanager.yml.j2", "{tmp}/none.yaml", "--no-live"),
         ("none.yaml",)),
    # ---- dashboards --------------------------------------------------------------------------------
    dashboard("dashboard-panels-string", "panels as a string", {"title": "bad", "panels": "x"}, "panels"),
    dashboard("dashboard-panels-empty", "a dashboard with no panels", {"title": "empty", "panels": []}, "panels"),
    dashboard("dashboard-not-json", "a file that is not JSON", "{title: bad", "JSON"),
    dashboard("dashboard-list", "a JSON list instead of a dashboard", [1, 2], "dashboard"),
    dashboard("dashboard-targets-object", "targets as an object", {"title": "t", "panels": [{"id": 1, "targets": {"expr": "up"}}]},
              "targets"),
    dashboard("dashboard-row-panels", "a row's panels as a string",
              {"title": "t", "panels": [{"id": 1, "type": "row", "panels": "x"}]}, "panels"),
    dashboard("dashboard-old-rows", "old-style rows as a string", {"title": "t", "rows": "x"}, "rows"),
    dashboard("dashboard-panel-string", "a panel that is a string", {"title": "t", "panels": ["up"]}, "panels", "objects"),
    Case("dashboard-missing", "a dashboard file that does not exist", ("dashboards", "check", "{tmp}/none.json", "--prometheus-url", NOWHERE),
         ("none.json",)),
    Case("dashboard-unreachable", "a Prometheus URL where nothing listens",
         ("dashboards", "check", "{stack}/dashboards/service.json", "--prometheus-url", NOWHERE), ("127.0.0.1:1",)),
    Case("dashboard-api-wrapper-empty", "an API export whose dashboard is empty", ("dashboards", "check", "{tmp}/d.json", "--prometheus-url", NOWHERE),
         ("d.json",), files=(("d.json", json.dumps({"dashboard": {}, "meta": {}})),)),
    # ---- rule files --------------------------------------------------------------------------------
    rules_file("rules-yaml", "a YAML error in a rule file", "groups: [\n", "yaml: line 1"),
    rules_file("rules-no-groups", "a rule file without groups", "rules:\n  - alert: A\n    expr: up == 0\n", "field rules not found"),
    rules_file("rules-bad-expr", "a PromQL syntax error", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n", "expr"),
    rules_file("rules-bad-for", "a `for` that is not a duration", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: soon\n",
               "not a valid duration"),
    Case("rules-missing", "a rule file that does not exist", ("rules", "check", "{tmp}/none.yml", "--prometheus-url", NOWHERE), ("none.yml",)),
    Case("rules-unreachable", "rules check against a Prometheus where nothing listens",
         ("rules", "check", "{stack}/rules/service.yml", "--prometheus-url", NOWHERE), ("127.0.0.1:1",)),
    Case("rules-test-missing", "rules test on a file that does not exist", ("rules", "test", "{tmp}/none.yml"), ("none.yml",)),
    rules_file("rules-test-is-rules", "rules test given a rule file instead of a test file",
               "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n", "rule file", command="test"),
    rules_file("rules-test-yaml", "rules test on a file with a YAML error", "tests: [\n", "yaml: line 1", command="test"),
    Case("metrics-unreachable", "metrics check against a Prometheus where nothing listens",
         ("metrics", "check", "--stack", "{stack}", "--prometheus-url", NOWHERE), ("127.0.0.1:1",)),
    Case("metrics-url-garbage", "metrics check with a URL that is not one",
         ("metrics", "check", "--stack", "{stack}", "--prometheus-url", "garbage"), ("garbage",)),
    # ---- monsuite init -----------------------------------------------------------------------------
    Case("init-not-empty", "init into a directory that is not empty", ("init", "{tmp}/full", "--example", "minimal"), ("full",),
         files=(("full/stack.yaml", "name: x\n"),)),
    Case("init-rules-missing", "init --rules naming a file that does not exist",
         ("init", "{tmp}/new", "--rules", "{tmp}/none.yml", "--alertmanager-config", "{tmp}/am.yml"), ("none.yml",),
         files=(("am.yml", AM_CONFIG),)),
    Case("init-example-unknown", "init --example with an unknown name", ("init", "{tmp}/new", "--example", "huge"), ("huge",)),
    Case("init-am-config-bad", "init --alertmanager-config with a YAML error",
         ("init", "{tmp}/new", "--rules", "{stack}/rules/service.yml", "--alertmanager-config", "{tmp}/am.yml"), ("am.yml",),
         files=(("am.yml", "route: [\n"),)),
    Case("init-dashboard-bad", "init --dashboards with a file that is not JSON",
         ("init", "{tmp}/new", "--rules", "{stack}/rules/service.yml", "--alertmanager-config", "{tmp}/am.yml",
          "--dashboards", "{tmp}/d.json"), ("d.json",), files=(("d.json", "{nope"), ("am.yml", AM_CONFIG))),
    Case("init-rules-bad", "init --rules with a file that is not a rule file",
         ("init", "{tmp}/new", "--rules", "{tmp}/r.yml", "--alertmanager-config", "{tmp}/am.yml"), ("r.yml",),
         files=(("r.yml", "hello: world\n"), ("am.yml", AM_CONFIG))),
    # ---- SLO specs ---------------------------------------------------------------------------------
    slo_spec("slo-unknown-format", "a spec in neither Sloth's nor OpenSLO's format", "version: v2\nslos: []\n", "version", "prometheus/v1"),
    slo_spec("slo-sloth-objective", "a Sloth objective as a ratio instead of a percentage",
             SLOTH_SPEC.replace("objective: 99.9", "objective: 0"), "slos[0].objective", "percentage"),
    slo_spec("slo-sloth-plugin", "a Sloth SLI plugin", SLOTH_SPEC.replace("events:", "plugin:"), "slos[0].sli.plugin", "not supported"),
    slo_spec("slo-sloth-query", "a Sloth error query that is not PromQL", SLOTH_SPEC.replace("sum(rate(x_total{code=", "sum(rate(x_total{code=="),
             "error_query", "not PromQL"),
    slo_spec("slo-openslo-calendar", "an OpenSLO calendar window", OPENSLO_SPEC.replace("isRolling: true", "isRolling: false"),
             "timeWindow[0].isRolling", "rolling"),
    slo_spec("slo-openslo-source", "an OpenSLO metric source other than Prometheus", OPENSLO_SPEC.replace("type: Prometheus", "type: Datadog", 1),
             "good.metricSource.type", "Datadog"),
    slo_spec("slo-openslo-target", "an OpenSLO target above 1", OPENSLO_SPEC.replace("target: 0.99", "target: 99"),
             "objectives[0].target", "between 0 and 1"),
    slo_spec("slo-openslo-counter-expr", "an OpenSLO counter query that is an expression, not a selector",
             OPENSLO_SPEC.replace("query: x_total}", "query: 'sum(x_total)'}"), "total.metricSource.spec.query", "selector"),
    slo_spec("slo-native-kind", "a monsuite/v1 SLO with an unknown measurement",
             "version: monsuite/v1\nservice: m\nslos:\n  - {name: a, objective: 95, conformance: speed}\n", "slos[0].conformance", "alert_latency"),
    Case("slo-window", "slo report with a window that is not a duration",
         ("slo", "report", "--spec", "{tmp}/slo.yaml", "--prometheus-url", NOWHERE, "--window", "month"), ("--window", "month"),
         files=(("slo.yaml", SLOTH_SPEC),)),
    Case("images-stack-missing", "images build for a stack that does not exist", ("images", "build", "--stack", "{tmp}/none"),
         ("none",)),
    Case("scenarios-stack-missing", "scenarios check for a stack that does not exist", ("scenarios", "check", "--stack", "{tmp}/none"),
         ("none",)),
    # ---- seen by new users (the careless inputs that led to the generated matrix) ----------------------
    Case("generate-misspelt-rules-key", "a rule group whose `rules:` is misspelt", ("scenarios", "generate", "--rules",
         "{tmp}/r.yml", "--tests", "{tmp}/t.yml"), ("r.yml", "groups[0].rulez", "did you mean 'rules'"),
         files=(("r.yml", "groups:\n  - name: g\n    rulez:\n      - alert: A\n        expr: up == 0\n"),)),
    Case("init-misspelt-rules-key", "init with a rule group whose `rules:` is misspelt", ("init", "{tmp}/mine", "--rules",
         "{tmp}/r.yml", "--alertmanager-config", "{tmp}/am.yml"), ("r.yml", "groups[0].rulez"),
         files=(("r.yml", "groups:\n  - name: g\n    rulez: []\n"), ("am.yml", AM_CONFIG))),
    Case("init-named-template", "init with a config calling a template not given", ("init", "{tmp}/mine", "--rules",
         "{stack}/rules/service.yml", "--alertmanager-config", "{tmp}/am.yml"), ("am.yml", "--templates"),
         files=(("am.yml", AM_CONFIG.replace("webhook_configs: [{url: 'http://127.0.0.1:9/hook'}]",
                                             "slack_configs: [{api_url: 'http://127.0.0.1:9/', text: '{{ template \"x\" . }}'}]")),)),
    Case("init-example-with-rules", "init --example with rules it would ignore", ("init", "{tmp}/mine", "--example", "minimal",
         "--rules", "{stack}/rules/service.yml"), ("--rules", "ignored")),
    Case("nightly-users-zero", "nightly with zero load users", ("nightly", "--users", "0"), ("--users", "from 1")),
    Case("nightly-spec-missing", "nightly with a spec file that does not exist", ("nightly", "--spec", "{tmp}/missing.yml"),
         ("--spec", "missing.yml", "no such")),
    Case("mutate-json-directory", "rules mutate writing its JSON into a directory", ("rules", "mutate", "--rules",
         "{stack}/rules/service.yml", "--tests", "{tmp}/t.yml", "--json", "{tmp}"), ("--json", "is a directory"),
         files=(("t.yml", "rule_files: [stack/rules/service.yml]\ntests: []\n"),)),
    Case("slo-window-zero", "slo report over a zero window", ("slo", "report", "--spec", "{tmp}/slo.yaml", "--prometheus-url",
         NOWHERE, "--window", "0s"), ("--window", "0s"), files=(("slo.yaml", SLOTH_SPEC),)),
    Case("slo-at-before-2000", "slo report as of a time before 2000", ("slo", "report", "--spec", "{tmp}/slo.yaml",
         "--prometheus-url", NOWHERE, "--at", "-1"), ("--at", "-1"), files=(("slo.yaml", SLOTH_SPEC),)),
    Case("routes-unknown-argument-with-secret", "an unknown argument holding a password", ("routes", "test", "--config",
         "{stack}/alertmanager.yml.j2", "{stack}/routes.yaml", "--bogus", "http://me:hunter2@127.0.0.1:1"),
         ("unrecognized arguments", "***@127.0.0.1:1")),
    Case("backtest-matcher-refused", "rules backtest through an Alertmanager config whose matcher does not parse",
         ("rules", "backtest", "--rules", "{stack}/rules/service.yml", "--alertmanager-config", "{tmp}/am.yml",
          "--prometheus-url", NOWHERE, "--from", "now-1h"), ("am.yml", "missing closing )"),
         files=(("am.yml", "route: {receiver: a, routes: [{receiver: a, matchers: ['severity=~\"(\"']}]}\nreceivers: [{name: a}]\n"),)),    Case("backtest-silence-regex", "rules backtest with a silence whose regex does not parse",
         ("rules", "backtest", "--rules", "{stack}/rules/service.yml", "--alertmanager-config", "{tmp}/am.yml",
          "--silences", "{tmp}/silences.json", "--prometheus-url", NOWHERE, "--from", "now-1h"),
         ("silences.json", "[0].matchers[0].value", "not a regular expression"),
         files=(("am.yml", "route: {receiver: a}\nreceivers: [{name: a}]\n"),
                ("silences.json", '[{"matchers": [{"name": "a", "value": "(", "isRegex": true}], '
                                  '"startsAt": "2026-12-07T10:00:00Z", "endsAt": "2026-12-07T11:00:00Z"}]'))),
    Case("backtest-silences-alone", "rules backtest with silences but no Alertmanager config",
         ("rules", "backtest", "--rules", "{stack}/rules/service.yml", "--silences", "{tmp}/silences.json",
          "--prometheus-url", NOWHERE, "--from", "now-1h"), ("--silences", "--alertmanager-config"),
         files=(("silences.json", "[]"),)),
]
