"""Grafana's HTTP API (v10/v11): health, datasources, dashboards, and panel queries through
/api/ds/query, as the Grafana docs describe them. Credentials come from the environment."""

from __future__ import annotations

import os
import time

import requests

from monsuite.clients.http import ServiceClient


class GrafanaError(RuntimeError):
    pass


class GrafanaClient(ServiceClient):
    service = "Grafana"

    def __init__(self, url: str, *, token: str | None = None, user: str | None = None, password: str | None = None,
                 timeout: float = 10.0):
        super().__init__(url, timeout=timeout)
        token = token or os.environ.get("MONSUITE_GRAFANA_TOKEN")
        user = user or os.environ.get("MONSUITE_GRAFANA_USER")
        password = password or os.environ.get("MONSUITE_GRAFANA_PASSWORD")
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        elif user and password:
            self.session.auth = (user, password)

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.request(method, path, **kwargs)

    @staticmethod
    def _message(response: requests.Response) -> str:
        try:
            return str(response.json().get("message", response.text))
        except ValueError:
            return response.text[:200]

    def health(self) -> dict:
        response = self._call("GET", "/api/health")
        if response.status_code != 200:
            raise GrafanaError(f"Grafana unhealthy: HTTP {response.status_code} {response.text[:200]}")
        return self.decoded(response)

    def ensure_prometheus_datasource(self, prometheus_url: str, *, uid: str = "prometheus", name: str = "Prometheus",
                                     scrape_interval: str = "15s") -> dict:
        body = {"name": name, "type": "prometheus", "uid": uid, "url": prometheus_url, "access": "proxy",
                "isDefault": True, "jsonData": {"timeInterval": scrape_interval}}
        response = self._call("POST", "/api/datasources", json=body)
        if response.status_code == 409:  # already there (same name or uid): use it
            return self.datasource(uid)
        if response.status_code != 200:
            raise GrafanaError(f"creating datasource {name}: HTTP {response.status_code} {self._message(response)}")
        return self.decoded(response, dict)["datasource"]

    def datasource(self, uid: str) -> dict:
        response = self._call("GET", f"/api/datasources/uid/{uid}")
        if response.status_code != 200:
            raise GrafanaError(f"datasource {uid}: HTTP {response.status_code} {self._message(response)}")
        return self.decoded(response)

    def put_dashboard(self, model: dict, *, folder_uid: str | None = None) -> dict:
        body = {"dashboard": {**model, "id": None}, "overwrite": True, "message": "monsuite"}
        if folder_uid:
            body["folderUid"] = folder_uid
        response = self._call("POST", "/api/dashboards/db", json=body)
        if response.status_code != 200:
            raise GrafanaError(f"saving dashboard {model.get('uid')}: HTTP {response.status_code} {self._message(response)}")
        return self.decoded(response)

    def dashboard(self, uid: str) -> dict:
        response = self._call("GET", f"/api/dashboards/uid/{uid}")
        if response.status_code != 200:
            raise GrafanaError(f"dashboard {uid}: HTTP {response.status_code} {self._message(response)}")
        return self.decoded(response, dict)["dashboard"]

    def query(self, expr: str, *, datasource_uid: str = "prometheus", time_from: str = "now-15m", time_to: str = "now",
              interval_ms: int = 15000, max_data_points: int = 1000, instant: bool = False) -> dict:
        """One panel target through /api/ds/query: {'series', 'samples', 'seconds', 'error', 'executed'}."""
        body = {"from": time_from, "to": time_to, "queries": [{
            "refId": "A", "datasource": {"type": "prometheus", "uid": datasource_uid}, "expr": expr,
            "range": not instant, "instant": instant, "intervalMs": interval_ms, "maxDataPoints": max_data_points}]}
        started = time.perf_counter()
        response = self._call("POST", "/api/ds/query", json=body)
        seconds = time.perf_counter() - started
        try:
            result = self.decoded(response, dict)["results"]["A"]
        except (ValueError, KeyError):
            raise GrafanaError(f"/api/ds/query: HTTP {response.status_code} {response.text[:200]}") from None
        frames = result.get("frames") or []
        samples = 0
        for frame in frames:
            fields = frame.get("schema", {}).get("fields", [])
            values = frame.get("data", {}).get("values", [])
            number_columns = [i for i, f in enumerate(fields) if f.get("type") == "number"]
            samples += sum(len(values[i]) for i in number_columns if i < len(values))
        executed = next((f.get("schema", {}).get("meta", {}).get("executedQueryString") for f in frames), None)
        return {"series": len(frames), "samples": samples, "seconds": seconds, "error": result.get("error", ""),
                "executed": executed}
