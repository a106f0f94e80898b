"""The notifications a backtest's firings would have produced: Alertmanager's grouping, timers, notification log
and inhibition replayed (offline, against timelines worked out by hand from Alertmanager's rules), and the
routes and inhibition sides asked of a real Alertmanager."""

from __future__ import annotations

import json

import pytest

from monsuite.backtest.notify import AlertHistory, Dispatch, InhibitRule
from monsuite.backtest.silences import LabelMatcher, Silence, read_silences
from monsuite.backtest.routes import Destination, Integration, Route, destinations, integrations_of, routes_of
from monsuite.backtest.timeintervals import NamedIntervals
from monsuite.errors import ManifestError, UserError
from monsuite.routing.engines import ALERTMANAGER_BINARIES
from monsuite.runtimes.process import find_binary

WEBHOOK = Integration("team", "webhook_configs", 0, True)
EMAIL = Integration("team", "email_configs", 0, False)


def route(group_by=("alertname",), wait=30.0, interval=300.0, repeat=3600.0) -> Route:
    return Route("0", "team", group_by, wait, interval, repeat)


def dispatch(alerts: list[AlertHistory], end: float, *, routed=None, integrations=(WEBHOOK,), rules=(), sides=None,
             intervals=None, silences=()):
    sides = sides or {}
    where = {tuple(sorted(a.labels.items())): Destination(("0",), *sides.get(a.labels["name"], (frozenset(), frozenset())))
             for a in alerts}
    made = Dispatch({"0": routed or route()}, {"team": list(integrations)}, list(rules), where,
                    NamedIntervals.of({"time_intervals": intervals or []}), silences=list(silences))
    return made, made.run(alerts, end)


def history(name: str, *intervals, **labels) -> AlertHistory:
    return AlertHistory({"alertname": labels.pop("alertname", "X"), "name": name, **labels}, list(intervals))


def test_alerts_of_one_group_wait_together_and_later_changes_wait_for_the_next_group_interval():
    _, sent = dispatch([history("a", (0, 1000)), history("b", (10, 2000))], 10_000, integrations=(WEBHOOK, EMAIL))
    assert [(n.at, n.firing, n.resolved) for n in sent] == [(30, 2, 0), (1230, 1, 1), (2130, 0, 1)]
    assert sent[0].integrations == ("team/webhook[0]", "team/email[0]")
    assert all(n.integrations == ("team/webhook[0]",) for n in sent[1:])  # email does not send resolved ones


def test_a_firing_alert_repeats_strictly_after_repeat_interval_on_the_group_interval_ticks():
    _, sent = dispatch([history("a", (0, None))], 10_000)
    assert [n.at for n in sent] == [30, 3930, 7830]  # 3630 is exactly 3600 s after 30: not yet


def test_a_group_left_empty_ends_and_the_next_firing_waits_group_wait_again():
    _, sent = dispatch([history("a", (0, 50), (1000, 1100))], 10_000)
    assert [(n.at, n.firing) for n in sent] == [(30, 1), (330, 0), (1030, 1), (1330, 0)]


def test_an_alert_firing_at_the_very_moment_of_a_flush_is_in_it():
    _, sent = dispatch([history("a", (0, None)), history("b", (30, None))], 100)  # b fires at a's first flush
    assert [(n.at, n.firing) for n in sent] == [(30, 2)]


MONDAY = 1_796_601_600.0  # 2026-12-07 00:00 UTC, a Monday
NIGHTS_AND_WEEKENDS = [{"name": "quiet-hours", "time_intervals": [
    {"times": [{"start_time": "00:00", "end_time": "08:00"}]}, {"weekdays": ["saturday", "sunday"]}]}]


def test_a_flush_inside_a_mute_interval_sends_nothing_and_leaves_the_log_as_it_was():
    muted = Route("0", "team", ("alertname",), 30.0, 300.0, 3600.0, mute_time_intervals=("quiet-hours",))
    made, sent = dispatch([history("a", (MONDAY + 7 * 3600, MONDAY + 9 * 3600))], MONDAY + 86_400, routed=muted,
                          intervals=NIGHTS_AND_WEEKENDS)
    # fires at 07:00: its flushes before 08:00 send nothing; the first after it is the first notification
    assert [n.at - MONDAY for n in sent] == [7 * 3600 + 30 + 12 * 300, 9 * 3600 + 30]
    assert made.muted_by_time == 12
    active = Route("0", "team", ("alertname",), 30.0, 300.0, 3600.0, active_time_intervals=("quiet-hours",))
    _, sent = dispatch([history("a", (MONDAY + 7 * 3600, MONDAY + 9 * 3600))], MONDAY + 86_400, routed=active,
                       intervals=NIGHTS_AND_WEEKENDS)
    assert [n.at - MONDAY for n in sent] == [7 * 3600 + 30]  # only while active; the resolution at 09:00 is not


def test_time_intervals_read_as_alertmanager_reads_them():
    named = NamedIntervals.of({"time_intervals": NIGHTS_AND_WEEKENDS, "mute_time_intervals": [
        {"name": "month-end", "time_intervals": [{"days_of_month": ["-3:-1"], "months": ["december"],
                                                   "location": "Europe/Berlin"}]}]})
    hour = 3600
    assert named.holds("quiet-hours", MONDAY + 7 * hour) and not named.holds("quiet-hours", MONDAY + 8 * hour)
    assert named.holds("quiet-hours", MONDAY - 2 * hour)  # Sunday evening
    assert not named.holds("month-end", MONDAY + 21 * 86_400 + 22 * hour)  # 28 Dec 23:00 in Berlin
    assert named.holds("month-end", MONDAY + 21 * 86_400 + 23 * hour)  # 29 Dec 00:00 in Berlin: 3rd from last
    assert not named.holds("undefined", MONDAY)


@pytest.mark.parametrize("interval, said", [({"weekdays": ["funday"]}, "funday"),
                                             ({"location": "Mars/Olympus"}, "Mars/Olympus")])
def test_a_time_interval_alertmanager_would_not_read_is_refused_with_its_place(interval, said):
    with pytest.raises(ManifestError, match=rf"am.yml: time_intervals\[0\].time_intervals\[0\]: .*{said}"):
        NamedIntervals.of({"time_intervals": [{"name": "off", "time_intervals": [interval]}]}, "am.yml")


def test_separate_groups_by_label_value():
    _, sent = dispatch([history("a", (0, None), service="x"), history("b", (0, None), service="y")], 100,
                       routed=route(group_by=("service",)))
    assert sorted(dict(n.group)["service"] for n in sent) == ["x", "y"]


def test_an_inhibited_alert_is_left_out_until_its_source_resolves():
    rule = InhibitRule(("cluster",))
    alerts = [history("source", (0, 500), cluster="a"), history("target", (0, 1000), cluster="a"),
              history("elsewhere", (0, 1000), cluster="b")]
    sides = {"source": (frozenset({0}), frozenset()), "target": (frozenset(), frozenset({0})),
             "elsewhere": (frozenset(), frozenset({0}))}
    made, sent = dispatch(alerts, 10_000, routed=route(group_by=None, wait=10, interval=60), rules=[rule], sides=sides)
    by_alert = {}
    for n in sent:
        by_alert.setdefault(dict(n.group)["name"], []).append((n.at, n.firing))
    assert by_alert["target"] == [(550, 1), (1030, 0)]  # first told once its source resolved
    assert by_alert["elsewhere"] == [(10, 1), (1030, 0)]  # another cluster: not muted
    assert by_alert["source"] == [(10, 1), (550, 0)]
    assert made.inhibited == {tuple(sorted(alerts[1].labels.items()))}


def silence(starts: float, ends: float, **equal: str) -> Silence:
    return Silence("s", tuple(LabelMatcher(k, None, v, True) for k, v in equal.items()), starts, ends)


def test_a_silence_leaves_its_alerts_out_while_it_is_active_resolved_ones_too():
    alerts = [history("throughout", (0, 1000)), history("over-the-resolve", (0, 1000)), history("at-first", (0, 1000))]
    silences = [silence(-10, 5000, name="throughout"), silence(100, 5000, name="over-the-resolve"),
                silence(-10, 400, name="at-first")]
    made, sent = dispatch(alerts, 10_000, routed=route(group_by=("name",), wait=30, interval=60), silences=silences)
    told = {}
    for n in sent:
        told.setdefault(dict(n.group)["name"], []).append((n.at, n.firing))
    assert "throughout" not in told
    assert told["over-the-resolve"] == [(30, 1)]  # its resolution fell under the silence, and left the group
    assert told["at-first"] == [(450, 1), (1050, 0)]  # told at the first tick after the silence ended
    assert len(made.silenced) == 3


def test_a_silence_matcher_reads_as_alertmanager_reads_it(tmp_path):
    path = tmp_path / "silences.json"
    path.write_text(json.dumps([{"id": "1", "matchers": [
        {"name": "service", "value": "api|web", "isRegex": True, "isEqual": True},
        {"name": "env", "value": "staging", "isRegex": False, "isEqual": False},
        {"name": "team", "value": "", "isRegex": False}],
        "startsAt": "2026-12-07T10:00:00.000Z", "endsAt": "2026-12-07T11:00:00Z", "status": {"state": "expired"}}]))
    [read] = read_silences(path)
    assert read.matches({"service": "api", "env": "prod"})
    assert not read.matches({"service": "api-gateway"})  # a regex matches the whole value
    assert not read.matches({"service": "web", "env": "staging"})  # isEqual false negates
    assert not read.matches({"service": "web", "team": "core"})  # "" matches only a label the alert lacks
    assert read.active_at(read.starts) and not read.active_at(read.ends)


@pytest.mark.parametrize("entry, said", [
    ({"matchers": [{"name": "a", "value": "b"}], "startsAt": "2026-12-07T10:00:00Z"}, r"\[0\]: each silence needs"),
    ({"matchers": [], "startsAt": "2026-12-07T10:00:00Z", "endsAt": "2026-12-07T11:00:00Z"}, r"\[0\].matchers: must be"),
    ({"matchers": [{"name": "a", "value": "(open"}], "startsAt": 1796637600, "endsAt": 1796641200}, None),
    ({"matchers": [{"name": "a", "value": "(open", "isRegex": True}], "startsAt": 1796637600, "endsAt": 1796641200},
     r"\[0\].matchers\[0\].value: '\(open' is not a regular expression"),
    ({"matchers": [{"name": "a", "value": "b"}], "startsAt": 1796641200, "endsAt": 1796637600}, r"\[0\].endsAt: must come after"),
    ({"matchers": [{"name": "a", "value": "b"}], "startsAt": "noon", "endsAt": 1796637600}, r"\[0\].startsAt 'noon'"),
    ({"matchers": [{"name": "a", "value": 3}], "startsAt": 1796637600, "endsAt": 1796641200}, r"matchers\[0\]: needs a name"),
])
def test_a_silence_alertmanager_would_not_hold_is_refused_with_its_place(tmp_path, entry, said):
    path = tmp_path / "silences.json"
    path.write_text(json.dumps([entry]))
    if said is None:  # not a regex matcher: "(open" is a plain value
        assert read_silences(path)[0].matches({"a": "(open"})
        return
    with pytest.raises(UserError, match=rf"silences.json.*{said}"):
        read_silences(path)


def test_alerts_on_both_sides_of_an_inhibition_do_not_mute_each_other():
    both = (frozenset({0}), frozenset({0}))
    _, sent = dispatch([history("x", (0, 100)), history("y", (0, 100))], 1000, routed=route(group_by=None, wait=10, interval=60),
                       rules=[InhibitRule(())], sides={"x": both, "y": both})
    assert sorted((dict(n.group)["name"], n.firing) for n in sent) == [("x", 0), ("x", 1), ("y", 0), ("y", 1)]


def test_a_notification_after_the_range_ends_is_not_counted():
    _, sent = dispatch([history("a", (0, None))], 20)
    assert sent == []


CONFIG = {
    "route": {"receiver": "fallback", "group_by": ["alertname"], "group_wait": "10s", "routes": [
        {"receiver": "pager", "matchers": ['severity="critical"'], "repeat_interval": "1h", "continue": True},
        {"receiver": "team", "match_re": {"team": "db|infra"}, "group_by": ["..."], "routes": [
            {"receiver": "db", "match": {"team": "db"}, "group_interval": "1m"}]}]},
    "receivers": [{"name": "fallback"}, {"name": "pager", "pagerduty_configs": [{"routing_key": "k"}]},
                  {"name": "team", "email_configs": [{"to": "t@example.test"}, {"to": "u@example.test", "send_resolved": True}]},
                  {"name": "db", "slack_configs": [{"api_url": "http://127.0.0.1:1/"}]}],
    "inhibit_rules": [{"source_matchers": ['severity="critical"'], "target_matchers": ['severity="warning"'],
                       "equal": ["cluster"]}],
}


def test_timers_and_grouping_are_inherited_down_the_tree():
    routes = routes_of(CONFIG, "alertmanager.yml")
    assert (routes["0"].group_wait, routes["0"].group_interval, routes["0"].repeat_interval) == (10, 300, 14_400)
    assert routes["0.0"].repeat_interval == 3600 and routes["0.0"].group_by == ("alertname",)
    assert routes["0.1"].group_by is None and routes["0.1.0"].group_by is None  # '...' is every label
    assert (routes["0.1.0"].receiver, routes["0.1.0"].group_interval, routes["0.1.0"].group_wait) == ("db", 60, 10)


def test_time_intervals_are_a_routes_own_not_inherited():
    timed = {**CONFIG, "route": {**CONFIG["route"], "routes": [
        {**CONFIG["route"]["routes"][0], "mute_time_intervals": ["quiet-hours"],
         "routes": [{"receiver": "team", "match": {"x": "y"}}]}]}}
    routes = routes_of(timed, "alertmanager.yml")
    assert routes["0.0"].mute_time_intervals == ("quiet-hours",) and routes["0.0.0"].mute_time_intervals == ()


def test_send_resolved_follows_alertmanagers_defaults_per_integration():
    found = {i.name: i.send_resolved for found in integrations_of(CONFIG).values() for i in found}
    assert found == {"pager/pagerduty[0]": True, "team/email[0]": False, "team/email[1]": True, "db/slack[0]": False}


def test_an_undefined_receiver_is_refused_with_its_place():
    broken = {**CONFIG, "receivers": CONFIG["receivers"][:2]}
    with pytest.raises(ManifestError, match=r"route \(tree position 0.1\).receiver.*'team'"):
        routes_of(broken, "alertmanager.yml")


@pytest.mark.skipif(find_binary(ALERTMANAGER_BINARIES) is None,
                    reason="Alertmanager not on PATH: install Debian's prometheus-alertmanager (scripts/setup.sh does)")
def test_routes_and_inhibition_sides_as_a_real_alertmanager_matches_them():
    label_sets = [{"alertname": "A", "severity": "critical", "team": "db"}, {"alertname": "B", "severity": "warning", "team": "infra"},
                  {"alertname": "C", "severity": "info"}]
    found = destinations(CONFIG, "alertmanager.yml", label_sets)
    by_name = {dict(key)["alertname"]: where for key, where in found.items()}
    assert by_name["A"] == Destination(("0.0", "0.1.0"), frozenset({0}), frozenset())
    assert by_name["B"] == Destination(("0.1",), frozenset(), frozenset({0}))
    assert by_name["C"] == Destination(("0",), frozenset(), frozenset())
