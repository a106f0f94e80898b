"""Alertmanager v2 API: post alerts, read alerts and their receivers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from prometheus_client.parser import text_string_to_metric_families

from monsuite.clients.http import ServiceClient


class AlertmanagerClient(ServiceClient):
    service = "Alertmanager"

    def post_alerts(self, alerts: list[dict]) -> None:
        response = self.request("POST", "/api/v2/alerts", json=alerts)
        if response.status_code != 200:
            raise RuntimeError(f"Alertmanager refused the alerts: HTTP {response.status_code} {response.text[:300]}")

    def alerts(self, *matchers: str) -> list[dict]:
        """Gettable alerts; matchers as Alertmanager filters, e.g. 'alertname="X"'."""
        return self.json("GET", "/api/v2/alerts", shape=list, params=[("filter", m) for m in matchers])

    def groups(self) -> list[dict]:
        """The active alerts as Alertmanager grouped them, per receiver (GET /api/v2/alerts/groups)."""
        return self.json("GET", "/api/v2/alerts/groups", shape=list)

    def notification_requests(self, integration: str) -> tuple[float, float]:
        """(requests sent, requests failed) to receivers of one integration (webhook, slack, ...), from
        Alertmanager's own counters; a failed request is one Alertmanager saw fail, whatever the receiver did."""
        counts = {"alertmanager_notification_requests": 0.0, "alertmanager_notification_requests_failed": 0.0}
        for sample in self._own_metrics():
            name = sample.name.removesuffix("_total")
            if name in counts and sample.labels.get("integration") == integration:
                counts[name] += sample.value
        return counts["alertmanager_notification_requests"], counts["alertmanager_notification_requests_failed"]

    def _own_metrics(self):
        response = self.request("GET", "/metrics")
        response.raise_for_status()
        for family in text_string_to_metric_families(response.text):
            yield from family.samples

    def expire(self, silence_id: str) -> None:
        self.request("DELETE", f"/api/v2/silence/{silence_id}")

    def reload(self) -> None:
        """Load the config file again (POST /-/reload); raises with Alertmanager's reason when it refuses it."""
        response = self.request("POST", "/-/reload", timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"Alertmanager refused the config: HTTP {response.status_code} {response.text[:200]}")

    def silences(self) -> list[dict]:
        return self.json("GET", "/api/v2/silences", shape=list)

    def cluster(self) -> dict:
        """The cluster as this Alertmanager sees it: {"status": "ready"|"settling"|"disabled", "peers": [...]}."""
        return self.json("GET", "/api/v2/status", shape=dict).get("cluster") or {"status": "disabled", "peers": []}

    def gauge(self, name: str) -> float | None:
        """One unlabelled gauge of Alertmanager's own metrics (e.g. alertmanager_peer_position)."""
        return next((sample.value for sample in self._own_metrics() if sample.name == name), None)

    def silence(self, matchers: list[tuple[str, str, str]], comment: str, minutes: int = 60) -> str:
        """Create a silence (acknowledge); matchers as (label, operator, value)."""
        now = datetime.now(timezone.utc)
        body = {"matchers": [{"name": n, "value": v, "isRegex": op in ("=~", "!~"), "isEqual": op in ("=", "=~")}
                             for n, op, v in matchers],
                "startsAt": now.isoformat(), "endsAt": (now + timedelta(minutes=minutes)).isoformat(),
                "createdBy": "monsuite", "comment": comment}
        response = self.request("POST", "/api/v2/silences", json=body)
        if response.status_code != 200:
            raise RuntimeError(f"Alertmanager refused the silence: {response.text[:300]}")
        return response.json()["silenceID"]


def alert(labels: dict, annotations: dict | None = None, *, resolved: bool = False, minutes: int = 5) -> dict:
    """A postable alert: firing for ``minutes`` from now, or resolved now.

    It starts now: Alertmanager flushes a new group at once, without group_wait, when an alert's
    startsAt is already more than group_wait in the past.
    """
    now = datetime.now(timezone.utc)
    if resolved:  # endsAt must already be past when Alertmanager merges it, or the firing endsAt wins
        starts, ends = now - timedelta(seconds=1), now
    else:
        starts, ends = now, now + timedelta(minutes=minutes)
    return {"labels": labels, "annotations": annotations or {}, "startsAt": starts.isoformat(), "endsAt": ends.isoformat()}
