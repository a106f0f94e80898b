# The two commands (see README.md): `make demo` runs the main job, `make test` runs the tests.
# Both do their own set-up (Debian packages, dockerd, .venv, local images) idempotently.
PYTEST = .venv/bin/python -m pytest
# Public reference files are read where they are provided, never copied here (tests/reference_configs.py).
REFERENCE_CONFIGS ?= $(or $(MONSUITE_REFERENCE_CONFIGS),../shared/reference-configs)
PUBLIC_DASHBOARDS = $(addprefix --dashboards ,$(wildcard $(REFERENCE_CONFIGS)/grafana-dashboards/prometheus \
	$(REFERENCE_CONFIGS)/grafana-dashboards-kubernetes/dashboards))

.PHONY: setup test test-sequential test-library test-suites demo nightly stack-up stack-down benchmark clean

setup:
	./scripts/setup.sh

SUITE_SESSIONS = \
	"suites $(PUBLIC_DASHBOARDS) --campaign-shards 2 --junitxml=reports/junit-suites.xml" \
	"suites/test_alerts.py suites/test_backtest.py suites/test_notifications.py suites/test_routing.py suites/test_rules.py suites/test_templates.py --release current --report-dir reports/current --junitxml=reports/current/junit.xml" \
	"suites --stack stacks/minimal --report-dir reports/minimal --junitxml=reports/minimal/junit.xml" \
	"suites/test_alerts.py suites/test_backtest.py suites/test_rules.py suites/test_templates.py --stack stacks/seed-003 --report-dir reports/seed-003 --junitxml=reports/seed-003/junit.xml" \
	"suites/test_alerts.py suites/test_backtest.py suites/test_rules.py suites/test_templates.py --stack stacks/seed-004 --report-dir reports/seed-004 --junitxml=reports/seed-004/junit.xml"

# Two lanes side by side (what CI runs), about half the wall time on two cores: the library's tests over
# pytest-xdist workers, and the suites one stack at a time (scripts/test-lanes.sh; LIBRARY_NICE=N lets the
# suites go first).
LIBRARY_WORKERS ?= 2

test: setup
	./scripts/test-lanes.sh

# One session after another: slower, and the output follows the run as it goes.
test-sequential: setup
	$(PYTEST) tests --report-dir reports/library --junitxml=reports/junit-tests.xml
	$(MAKE) --no-print-directory test-suites

test-library:
	$(PYTEST) tests -n $(LIBRARY_WORKERS) --dist loadfile --report-dir reports/library --junitxml=reports/junit-tests.xml

test-suites:
	@failed=0; for session in $(SUITE_SESSIONS); do echo "$(PYTEST) $$session"; $(PYTEST) $$session || failed=1; done; exit $$failed

demo: setup
	$(PYTEST) suites --report-dir reports --junitxml=reports/junit.xml

# The nightly SLO verification (README: "Nightly SLO verification"); NIGHTLY_ARGS for --profile real, --baseline ...
nightly: setup
	.venv/bin/monsuite nightly --out reports/nightly $(NIGHTLY_ARGS)

stack-up: setup
	.venv/bin/monsuite stack up

stack-down:
	.venv/bin/monsuite stack down

benchmark: setup
	.venv/bin/python benchmarks/stack_start.py
	.venv/bin/python benchmarks/components.py
	.venv/bin/python benchmarks/alert_latency.py
	.venv/bin/python benchmarks/notifications.py
	.venv/bin/python benchmarks/dashboards.py
	.venv/bin/python benchmarks/load.py
	.venv/bin/python benchmarks/cpu_burner.py
	.venv/bin/python benchmarks/slo_report.py
	.venv/bin/python benchmarks/generate_mutate.py
	.venv/bin/python benchmarks/deployed.py
	.venv/bin/python benchmarks/templates.py
	.venv/bin/python benchmarks/backtest.py

clean:
	rm -rf .venv reports .monsuite benchmarks/results
