"""The Grafana client against responses shaped exactly as Grafana's HTTP API documentation gives
them (no Grafana server can run here; the live path is suites/test_grafana.py)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from monsuite.clients.grafana import GrafanaClient, GrafanaError

DS_QUERY_REPLY = {"results": {"A": {"status": 200, "frames": [{"schema": {
    "refId": "A", "meta": {"type": "timeseries-multi", "executedQueryString": "Expr: sum(rate(x[1m0s]))\nStep: 15s"},
    "fields": [{"name": "Time", "type": "time"}, {"name": "Value", "type": "number", "labels": {"job": "api"}}]},
    "data": {"values": [[1718000000000, 1718000015000], [0.5, 0.7]]}}]}}}
DS_QUERY_ERROR = {"results": {"A": {"status": 400, "error": "bad_data: parse error", "errorSource": "downstream"}}}


class FakeGrafana(BaseHTTPRequestHandler):
    """Documented Grafana answers; it records what the client sent."""

    requests: list = []
    existing_datasource = False

    def log_message(self, *args):
        pass

    def _reply(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        FakeGrafana.requests.append(("GET", self.path, dict(self.headers), None))
        if self.path == "/api/health":
            self._reply(200, {"database": "ok", "version": "11.1.0", "commit": "abc"})
        elif self.path == "/api/datasources/uid/prometheus":
            self._reply(200, {"id": 1, "uid": "prometheus", "name": "Prometheus", "type": "prometheus", "access": "proxy",
                              "url": "http://127.0.0.1:9090", "isDefault": True, "jsonData": {}, "version": 1})
        elif self.path == "/api/dashboards/uid/abc":
            self._reply(200, {"dashboard": {"uid": "abc", "title": "T", "panels": []},
                              "meta": {"url": "/d/abc/t", "provisioned": False, "version": 1}})
        else:
            self._reply(404, {"message": "Dashboard not found"})

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeGrafana.requests.append(("POST", self.path, dict(self.headers), body))
        if self.path == "/api/datasources":
            if FakeGrafana.existing_datasource:
                self._reply(409, {"message": "data source with the same name already exists"})
            else:
                self._reply(200, {"datasource": {**body, "id": 1}, "id": 1, "message": "Datasource added", "name": body["name"]})
        elif self.path == "/api/dashboards/db":
            self._reply(200, {"id": 3, "uid": body["dashboard"]["uid"], "url": "/d/abc/t", "status": "success", "version": 1, "slug": "t"})
        elif self.path == "/api/ds/query":
            self._reply(400 if "broken" in body["queries"][0]["expr"] else 200,
                        DS_QUERY_ERROR if "broken" in body["queries"][0]["expr"] else DS_QUERY_REPLY)


@pytest.fixture
def grafana():
    FakeGrafana.requests = []
    FakeGrafana.existing_datasource = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGrafana)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_health_and_token_auth_without_showing_the_token(grafana, monkeypatch):
    monkeypatch.setenv("MONSUITE_GRAFANA_TOKEN", "s3cret-token")
    client = GrafanaClient(grafana)
    assert client.health()["database"] == "ok"
    assert FakeGrafana.requests[-1][2]["Authorization"] == "Bearer s3cret-token"
    assert "s3cret" not in repr(client)


def test_a_datasource_is_created_or_reused(grafana):
    client = GrafanaClient(grafana)
    created = client.ensure_prometheus_datasource("http://127.0.0.1:9090", scrape_interval="250ms")
    sent = FakeGrafana.requests[-1][3]
    assert created["uid"] == "prometheus" and sent["access"] == "proxy" and sent["jsonData"] == {"timeInterval": "250ms"}
    FakeGrafana.existing_datasource = True
    assert client.ensure_prometheus_datasource("http://127.0.0.1:9090")["name"] == "Prometheus"


def test_dashboards_are_saved_with_overwrite_and_read_back(grafana):
    client = GrafanaClient(grafana)
    assert client.put_dashboard({"uid": "abc", "title": "T", "id": 7, "panels": []})["status"] == "success"
    sent = FakeGrafana.requests[-1][3]
    assert sent["overwrite"] is True and sent["dashboard"]["id"] is None
    assert client.dashboard("abc")["uid"] == "abc"
    with pytest.raises(GrafanaError, match="Dashboard not found"):
        client.dashboard("nope")


def test_panel_queries_read_frames_by_field_type(grafana):
    client = GrafanaClient(grafana)
    result = client.query("sum(rate(x[$__rate_interval]))", interval_ms=15000)
    assert (result["series"], result["samples"], result["error"]) == (1, 2, "")
    assert result["executed"].startswith("Expr: sum(rate(x[1m0s]))")
    query = FakeGrafana.requests[-1][3]["queries"][0]
    assert query["datasource"] == {"type": "prometheus", "uid": "prometheus"} and query["range"] is True
    assert client.query("broken(")["error"] == "bad_data: parse error"
