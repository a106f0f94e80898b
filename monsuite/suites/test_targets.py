"""Every scrape target is up and scraped faster than its interval; Alertmanager is discovered."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.live


def test_every_target_is_up(prometheus):
    targets = prometheus.targets()
    assert targets, "Prometheus has no active targets"
    down = [f"{t.job} {t.instance}: {t.health} ({t.last_error or 'no error given'})" for t in targets if t.health != "up"]
    assert not down, "targets not up:\n" + "\n".join(down)


def test_scrape_durations_stay_below_the_interval(prometheus):
    targets = prometheus.targets()
    slow = [
        f"{t.job} {t.instance}: last scrape {t.last_scrape_duration:.3f}s >= interval {t.scrape_interval_seconds:g}s"
        for t in targets
        if t.scraped and t.last_scrape_duration >= t.scrape_interval_seconds
    ]
    assert all(t.scraped for t in targets), "some targets were never scraped"
    assert not slow, "\n".join(slow)


def test_alertmanager_is_discovered(prometheus, alertmanager_url):
    discovered = prometheus.alertmanagers()
    assert any(url.startswith(alertmanager_url) for url in discovered), f"{alertmanager_url} not in {discovered}"


def test_every_started_exporter_and_service_is_scraped(stack, prometheus):
    """A component that exposes metrics but is missing from prometheus.yml would be blind spot."""
    scraped = {t.scrape_url.split("/")[2] for t in prometheus.targets()}
    scrapable_kinds = {"exporter", "app", "traffic", "prometheus", "alertmanager"}
    missing = [
        f"{h.name} ({h.url})" for h in stack.handles.values()
        if h.kind in scrapable_kinds and h.runtime != "external" and h.url.split("/")[2] not in scraped
    ]
    assert not missing, "started but not scraped: " + ", ".join(missing)


def test_rule_groups_are_loaded_and_healthy(prometheus):
    groups = prometheus.rule_groups()
    assert groups, "no rule groups loaded"
    broken = [f"{g['name']}/{r['name']}: {r.get('lastError')}" for g in groups for r in g["rules"] if r.get("health") == "err"]
    assert not broken, "\n".join(broken)
