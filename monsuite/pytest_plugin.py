"""The monsuite pytest plugin (entry point pytest11): options, markers, fixtures, run summary."""

from __future__ import annotations

import os

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

from monsuite.fixtures.alerts import alert_campaign, pytest_generate_tests  # noqa: E402,F401
import pytest  # noqa: E402

from monsuite.errors import UserError  # noqa: E402
from monsuite.interrupts import interrupt_once  # noqa: E402
from monsuite.fixtures.options import add_options, attach_state, check_options  # noqa: E402
from monsuite.manifest import load_manifest  # noqa: E402
from monsuite.options import RunOptions  # noqa: E402
from monsuite.profiles import resolve_profile  # noqa: E402
from monsuite.fixtures.stack import (  # noqa: E402,F401 - fixtures are registered by being imported here
    _component_gate, alertmanager_url, demo, demo_service, prometheus, run, sinks, stack,
)
from monsuite.fixtures.report import JsonReport, record_measurement  # noqa: E402,F401
from monsuite.fixtures.templates import notification_templates  # noqa: E402,F401
from monsuite.fixtures.summary import write_summary  # noqa: E402

MARKERS = (
    "live: needs a running stack (started by the suite, or external URLs)",
    "slow: takes more than a few seconds",
    "load: drives load with Locust",
    "component(*names): needs these stack components; skips with the reason when one is unavailable",
)


def pytest_addoption(parser):
    add_options(parser)


def pytest_configure(config):
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    try:  # bad options or a bad stack are a usage error of the whole run, before anything starts
        check_options(config)
        options = RunOptions.from_pytest(config)
        resolve_profile(load_manifest(options.stack), options.profile)
        options.check_reachable()
        attach_state(config)  # a different stack up is said now, before any test
    except UserError as exc:
        raise pytest.UsageError(f"monsuite: {exc}") from None
    report_dir = config.getoption("--report-dir")
    if report_dir and not hasattr(config, "workerinput"):  # under pytest-xdist the controller sees every report
        config.pluginmanager.register(JsonReport(report_dir), "monsuite-json-report")
    # SIGTERM behaves like Ctrl-C, so pytest tears the session's stack down in both cases, and a second
    # one cannot cut that teardown short. A handler the user's own conftest installed is kept.
    interrupt_once(replace_custom=False)


def pytest_terminal_summary(terminalreporter):
    write_summary(terminalreporter)
