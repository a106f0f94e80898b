"""Prometheus HTTP API: targets, Alertmanager discovery, rules, alerts and queries."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from monsuite.clients.http import ServiceClient, ServiceError, redacted

ZERO_TIME = "0001-01-01T00:00:00Z"


class PrometheusAPIError(RuntimeError):
    pass


@dataclass(frozen=True)
class Target:
    job: str
    instance: str
    scrape_url: str
    health: str
    last_error: str
    last_scrape: str
    last_scrape_duration: float
    scrape_interval_seconds: float
    labels: dict

    @property
    def scraped(self) -> bool:
        return bool(self.last_scrape) and not self.last_scrape.startswith("0001-")


class PrometheusClient(ServiceClient):
    service = "Prometheus"

    def _get(self, path: str, **params) -> dict | list:
        # 400/422/503 carry the API's own error body (a bad query is the caller's finding, not the network's)
        body = self.json("GET", path, shape=dict, ok=(200, 400, 422, 503), params=params or None)
        if "status" not in body:
            raise ServiceError(f"Prometheus at {redacted(self.url)}: GET {path} answered JSON without a status; "
                               "is that really Prometheus?")
        if body["status"] != "success":
            raise PrometheusAPIError(f"GET {path}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def ready(self) -> bool:
        try:
            return self.request("GET", "/-/ready").status_code == 200
        except ServiceError:
            return False

    def targets(self) -> list[Target]:
        data = self._get("/api/v1/targets", state="active")
        return [
            Target(
                job=t.get("scrapePool") or t["labels"].get("job", ""),
                instance=t["labels"].get("instance", ""),
                scrape_url=t.get("scrapeUrl", ""),
                health=t.get("health", "unknown"),
                last_error=t.get("lastError", ""),
                last_scrape=t.get("lastScrape", ZERO_TIME),
                last_scrape_duration=float(t.get("lastScrapeDuration") or 0.0),
                scrape_interval_seconds=parse_duration(t.get("scrapeInterval", "0s")),
                labels=t.get("labels", {}),
            )
            for t in data["activeTargets"]
        ]

    def jobs_scraping(self, base_url: str) -> list[str]:
        """The `job` labels of the targets whose own endpoint is at base_url's host and port."""
        netloc = urlsplit(base_url).netloc
        return sorted({t.labels.get("job", t.job) for t in self.targets() if urlsplit(t.scrape_url).netloc == netloc})

    def probes_of(self, url: str) -> list[Target]:
        """The targets that probe ``url`` through an exporter (blackbox style: ?target=<url>)."""
        return [t for t in self.targets() if url in parse_qs(urlsplit(t.scrape_url).query).get("target", [])]

    def alertmanagers(self) -> list[str]:
        return [am["url"] for am in self._get("/api/v1/alertmanagers")["activeAlertmanagers"]]

    def rule_groups(self) -> list[dict]:
        return self._get("/api/v1/rules")["groups"]

    def alerts(self) -> list[dict]:
        return self._get("/api/v1/alerts")["alerts"]

    def global_scrape_interval(self) -> str:
        """The global scrape_interval of the running configuration (Prometheus' own default: 1m)."""
        import yaml

        config = yaml.safe_load(self._get("/api/v1/status/config")["yaml"]) or {}
        return str((config.get("global") or {}).get("scrape_interval", "1m"))

    def metadata_names(self) -> list[str]:
        """The metric families the scrape targets expose (their # TYPE/# HELP names)."""
        return list(self._get("/api/v1/metadata"))

    def runtime_info(self) -> dict:
        """/api/v1/status/runtimeinfo: storageRetention ("15d", "15d or 10GiB") and the like."""
        return self._get("/api/v1/status/runtimeinfo")

    def query_at(self, expr: str, at: float) -> list[dict]:
        """Instant query at a unix time; for a range selector the raw samples with their own timestamps."""
        return self._get("/api/v1/query", query=expr, time=f"{at:.3f}")["result"]

    def query_range(self, expr: str, start: float, end: float, step_seconds: float) -> list[dict]:
        """Range query: the matrix of [unix time, "value"] pairs per series."""
        return self._get("/api/v1/query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}",
                         step=f"{step_seconds:g}")["result"]

    def query(self, expr: str) -> list[dict]:
        """Instant query through prometheus-api-client; returns the result vector."""
        from prometheus_api_client import PrometheusConnect

        return PrometheusConnect(url=self.url, session=self.session).custom_query(expr)  # its credentials and CA


def parse_duration(text: str) -> float:
    """A Prometheus duration such as 1m30s, 15s, 500ms, 1h, as seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    total, number = 0.0, ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            number += ch
            i += 1
            continue
        unit = "ms" if text.startswith("ms", i) else ch
        if unit not in units or not number:
            raise ValueError(f"not a Prometheus duration: {text!r}")
        total += float(number) * units[unit]
        number = ""
        i += len(unit)
    if number:
        raise ValueError(f"not a Prometheus duration (missing unit): {text!r}")
    return total
