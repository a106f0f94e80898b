"""One error path for the network: a refused connection, a timeout, an answer that is not JSON or not the
documented shape become one line naming the URL and what to check (exit 2 in the CLI); bad URLs are
refused before anything waits."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from monsuite.clients.alertmanager import AlertmanagerClient
from monsuite.clients.grafana import GrafanaClient
from monsuite.clients.http import ServiceError, check_url, redacted
from monsuite.clients.prometheus import PrometheusClient
from monsuite.errors import UserError
from monsuite.ports import free_port


class Answers(BaseHTTPRequestHandler):
    """Answers every GET with the body and status the server was given."""

    def do_GET(self):  # noqa: N802 - the http.server API
        status, body = self.server.answer
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    httpd.answer = (200, "<html>hello</html>")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def url_of(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_a_refused_connection_names_the_service_and_url():
    with pytest.raises(ServiceError, match=r"Prometheus at http://127\.0\.0\.1:\d+: (connection refused|cannot connect); is it running"):
        PrometheusClient(f"http://127.0.0.1:{free_port()}").targets()


def test_an_html_page_is_not_taken_for_an_api_answer(server):
    with pytest.raises(ServiceError, match="not JSON .*'<html>hello</html>'.* is that really Prometheus"):
        PrometheusClient(url_of(server)).targets()
    with pytest.raises(ServiceError, match="not JSON"):
        GrafanaClient(url_of(server), token="secret-token").health()


def test_another_service_answering_404_is_named_as_such(server):
    server.answer = (404, "404 page not found")
    with pytest.raises(ServiceError, match="answered HTTP 404 .* is that really Prometheus"):
        PrometheusClient(url_of(server)).targets()


def test_json_of_the_wrong_shape_is_refused(server):
    server.answer = (200, '{"data": []}')
    with pytest.raises(ServiceError, match="without a status"):
        PrometheusClient(url_of(server)).targets()
    server.answer = (200, '{"alerts": []}')
    with pytest.raises(ServiceError, match="unexpected shape"):
        AlertmanagerClient(url_of(server)).alerts()


@pytest.mark.parametrize("url, says", [("garbage", "is not a URL"), ("ftp://127.0.0.1:21", "is not a URL"),
                                       ("http://127.0.0.1:99999", "port"), ("", "is not a URL")])
def test_bad_urls_are_refused_up_front(url, says):
    with pytest.raises(UserError, match=says):
        check_url(url, "--prometheus-url")


def test_credentials_in_a_url_are_never_printed():
    assert redacted("http://admin:hunter2@127.0.0.1:3000/x") == "http://***@127.0.0.1:3000/x"
    client = GrafanaClient("http://admin:hunter2@127.0.0.1:3000", token="t0ken")
    assert "hunter2" not in repr(client) and "t0ken" not in repr(client)


@pytest.mark.parametrize("args", [
    ["rules", "check", "RULES", "--prometheus-url", "http://127.0.0.1:PORT"],
    ["rules", "check", "RULES", "--prometheus-url", "garbage"],
    ["dashboards", "check", "--prometheus-url", "http://127.0.0.1:PORT", "DASHBOARD"],
    ["metrics", "check", "--prometheus-url", "http://127.0.0.1:PORT"],
])
def test_the_cli_says_it_in_one_line_and_exits_2(args):
    from monsuite.paths import shipped_stack

    default = shipped_stack("default")
    replaced = [a.replace("RULES", str(default / "rules" / "windmill-platform.yml"))
                 .replace("DASHBOARD", str(next((default / "dashboards").glob("*.json"))))
                 .replace("PORT", str(free_port())) for a in args]
    result = subprocess.run([sys.executable, "-m", "monsuite", *replaced], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr
