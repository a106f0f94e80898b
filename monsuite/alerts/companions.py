"""Alerts that share a notification group with a scenario's own alert.

Alertmanager tells a group's status, not each alert's: while another alert of the group fires (the host's
own HighLoadAverage on a busy runner, beside the scenario's pushed one), the notification that follows the
scenario's resolution still says FIRING on every channel that renders the group's status (Slack, email,
Discord, PagerDuty). Which groups held such companions is read from Alertmanager's own grouping
(GET /api/v2/alerts/groups), not guessed from the routing tree.
"""

from __future__ import annotations


def _is_own(labels: dict, alertname: str, partition: dict) -> bool:
    return labels.get("alertname") == alertname and all(labels.get(k) == v for k, v in partition.items())


def group_companions(groups: list[dict], alertname: str, partition: dict) -> dict[str, list[dict]]:
    """Per receiver, the other active alerts of each group that holds this alert (receivers whose groups
    hold it alone are left out)."""
    companions: dict[str, list[dict]] = {}
    for group in groups:
        alerts = [a for a in group.get("alerts") or [] if isinstance(a, dict)]
        if not any(_is_own(a.get("labels") or {}, alertname, partition) for a in alerts):
            continue
        others = [a.get("labels") or {} for a in alerts
                  if not _is_own(a.get("labels") or {}, alertname, partition)
                  and (a.get("status") or {}).get("state", "active") == "active"]
        if others:
            receiver = (group.get("receiver") or {}).get("name", "")
            companions.setdefault(receiver, []).extend(others)
    return companions


def describe(labels: dict) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"
