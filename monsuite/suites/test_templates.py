"""Every notification as its reader gets it: each receiver's templates rendered by a real Alertmanager for
every alert the stack's routing brings to it (one alert and several in a group, firing and resolved), with
nothing a reader would miss, and the same as the golden files the stack keeps (templates/golden/<release>/)."""

from __future__ import annotations

import pytest

from monsuite.templates.check import golden_dir
from monsuite.templates.report import summary_lines


def test_every_notification_renders_with_nothing_a_reader_would_miss(notification_templates, record_measurement):
    report = notification_templates
    record_measurement("notifications_rendered", len(report.run.rendered))
    record_measurement("template_render_seconds", round(report.seconds["total"], 2))
    if not report.run.cases:
        pytest.skip(f"{report.config.source}: no example alert is routed to a receiver the local sinks serve")
    assert not report.findings, "\n".join(line for line in summary_lines(report, str(report.config.source))
                                          if "FAILED" in line)


def test_notifications_match_the_golden_files(notification_templates):
    report = notification_templates
    kept = golden_dir(report.config.source.parent, report.run.version)
    if report.mismatches is None:
        pytest.skip(f"no golden files for Alertmanager {report.run.version} in {kept}: "
                    f"`monsuite templates test --stack {report.config.source.parent} --update` writes them")
    assert not report.mismatches, "\n".join(line for m in report.mismatches[:20] for line in m.lines())
