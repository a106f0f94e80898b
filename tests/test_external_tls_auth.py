"""The external runtime against endpoints behind TLS and authentication, live: a Prometheus and an
Alertmanager started with --web.config.file (a CA and certificates made by tests/tls_material.py;
basic auth with a bcrypt hash; the Alertmanager also demands a client certificate), Prometheus
reaching both over HTTPS with credentials. The suites run through the external runtime with the
credentials in the environment; a wrong password, an untrusted certificate or a half-given credential
is one clear line, exit 2, and no secret is printed. A bearer token is checked through nginx in
front of Prometheus (as an ingress or an auth proxy would be)."""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest
import requests

from monsuite.load.static_target import StaticNginx
from monsuite.ports import free_ports
from monsuite.processes import stop_process
from monsuite.waits import wait_until
from tests.tls_material import CertificateAuthority

pytestmark = [pytest.mark.live, pytest.mark.slow]

USER = "monsuite"
REPO = Path(__file__).resolve().parent.parent


class Secured:
    def __init__(self, directory: Path):
        self.directory = directory
        self.password = secrets.token_urlsafe(16)
        self.ca = CertificateAuthority(directory, "monsuite-test-ca")
        self.other_ca = CertificateAuthority(directory, "some-other-ca")
        self.server = self.ca.issue("server", server=True)
        self.client = self.ca.issue("client", server=False)
        self.prometheus_port, self.alertmanager_port = free_ports(2)
        self.prometheus = f"https://127.0.0.1:{self.prometheus_port}"
        self.alertmanager = f"https://127.0.0.1:{self.alertmanager_port}"
        self.processes: list[subprocess.Popen] = []

    def env(self, **changes) -> dict:
        env = {"MONSUITE_PROMETHEUS_USER": USER, "MONSUITE_PROMETHEUS_PASSWORD": self.password,
               "MONSUITE_PROMETHEUS_CA_FILE": str(self.ca.issued.cert),
               "MONSUITE_ALERTMANAGER_USER": USER, "MONSUITE_ALERTMANAGER_PASSWORD": self.password,
               "MONSUITE_ALERTMANAGER_CA_FILE": str(self.ca.issued.cert),
               "MONSUITE_ALERTMANAGER_CERT_FILE": str(self.client.cert),
               "MONSUITE_ALERTMANAGER_KEY_FILE": str(self.client.key)}
        env.update(changes)
        return {**{k: v for k, v in os.environ.items() if not k.startswith("MONSUITE_")},
                **{k: v for k, v in env.items() if v is not None}}

    def start(self) -> None:
        hashed = bcrypt.hashpw(self.password.encode(), bcrypt.gensalt(rounds=10)).decode()
        d = self.directory
        web = (f"tls_server_config:\n  cert_file: {self.server.cert}\n  key_file: {self.server.key}\n"
               f"basic_auth_users:\n  {USER}: '{hashed}'\n")
        (d / "prometheus-web.yml").write_text(web)
        (d / "alertmanager-web.yml").write_text(web.replace(
            "tls_server_config:\n", f"tls_server_config:\n  client_auth_type: RequireAndVerifyClientCert\n"
                                    f"  client_ca_file: {self.ca.issued.cert}\n"))
        client_tls = (f"    tls_config: {{ca_file: {self.ca.issued.cert}, cert_file: {self.client.cert}, "
                      f"key_file: {self.client.key}}}\n    basic_auth: {{username: {USER}, password: '{self.password}'}}\n")
        (d / "rules.yml").write_text("groups:\n- name: tls\n  rules:\n  - alert: OverTls\n    expr: vector(1)\n")
        (d / "prometheus.yml").write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: [{d / 'rules.yml'}]\n"
            "alerting:\n  alertmanagers:\n  - scheme: https\n"
            f"    static_configs: [{{targets: ['127.0.0.1:{self.alertmanager_port}']}}]\n{client_tls}"
            "scrape_configs:\n  - job_name: prometheus\n    scheme: https\n"
            f"    static_configs: [{{targets: ['127.0.0.1:{self.prometheus_port}']}}]\n{client_tls.replace('    ', '    ', 1)}")
        (d / "alertmanager.yml").write_text("route: {receiver: nowhere}\nreceivers:\n- name: nowhere\n")
        self.processes.append(subprocess.Popen(
            ["prometheus", f"--config.file={d / 'prometheus.yml'}", f"--storage.tsdb.path={d / 'prom-data'}",
             f"--web.listen-address=127.0.0.1:{self.prometheus_port}", f"--web.config.file={d / 'prometheus-web.yml'}",
             "--rules.alert.resend-delay=1s"],  # the first send precedes Alertmanager discovery
            stdout=subprocess.DEVNULL, stderr=open(d / "prometheus.log", "w")))
        alertmanager = shutil.which("prometheus-alertmanager") or "alertmanager"
        self.processes.append(subprocess.Popen(
            [alertmanager, f"--config.file={d / 'alertmanager.yml'}", f"--storage.path={d / 'am-data'}",
             f"--web.listen-address=127.0.0.1:{self.alertmanager_port}", f"--web.config.file={d / 'alertmanager-web.yml'}",
             "--cluster.listen-address="], stdout=subprocess.DEVNULL, stderr=open(d / "alertmanager.log", "w")))
        auth, ca = (USER, self.password), str(self.ca.issued.cert)
        client = (str(self.client.cert), str(self.client.key))
        wait_until(lambda: requests.get(f"{self.prometheus}/-/ready", auth=auth, verify=ca, timeout=1).ok, timeout=30,
                   what="Prometheus over TLS")
        wait_until(lambda: requests.get(f"{self.alertmanager}/-/ready", auth=auth, verify=ca, cert=client, timeout=1).ok,
                   timeout=30, what="Alertmanager over mutual TLS")

    def stop(self) -> None:
        for process in self.processes:
            stop_process(process)


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    stack = Secured(tmp_path_factory.mktemp("tls"))
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


def monsuite(secured: Secured, *args: str, **env_changes) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "monsuite", *args], capture_output=True, text=True, timeout=120,
                          env=secured.env(**env_changes), cwd=REPO)


def external(secured: Secured) -> list[str]:
    return ["--runtime", "external", "--prometheus-url", secured.prometheus, "--alertmanager-url", secured.alertmanager]


def test_prometheus_delivers_alerts_to_the_alertmanager_over_mutual_tls(secured):
    from monsuite.clients.access import EndpointAccess, register
    from monsuite.clients.alertmanager import AlertmanagerClient

    register(secured.alertmanager, EndpointAccess.from_env("alertmanager", secured.env()))
    client = AlertmanagerClient(secured.alertmanager)
    assert wait_until(lambda: client.alerts('alertname="OverTls"'), timeout=30, what="OverTls in the Alertmanager")


def test_the_suites_run_through_the_external_runtime_with_credentials(secured):
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:locust", "-p", "no:cacheprovider", "-q", "-rs",
                             "suites/test_components.py", "suites/test_targets.py", *external(secured)],
                            capture_output=True, text=True, timeout=300, env=secured.env(), cwd=REPO)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    passed = int(re.search(r"(\d+) passed", output).group(1))
    assert passed >= 3, output[-2000:]  # Alertmanager's status, every target up, scrape durations
    assert secured.password not in output


def test_stack_up_against_the_secured_endpoints_names_what_it_uses(secured, tmp_path):
    result = monsuite(secured, "stack", "up", *external(secured), "--state-file", str(tmp_path / "s.json"))
    assert result.returncode == 0, result.stderr
    assert "basic auth" in result.stdout and "client certificate" in result.stdout
    assert secured.password not in result.stdout + result.stderr
    monsuite(secured, "stack", "down", "--state-file", str(tmp_path / "s.json"))


def one_line_error(result: subprocess.CompletedProcess, secured: Secured) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert secured.password not in result.stdout + result.stderr
    return lines[0]


def test_a_wrong_password_is_one_clear_line(secured, tmp_path):
    result = monsuite(secured, "stack", "up", *external(secured), "--state-file", str(tmp_path / "s.json"),
                      MONSUITE_PROMETHEUS_PASSWORD="not-" + secured.password)
    line = one_line_error(result, secured)
    assert "refused the credentials (HTTP 401)" in line and "MONSUITE_PROMETHEUS_PASSWORD" in line


def test_an_untrusted_certificate_is_one_clear_line(secured, tmp_path):
    result = monsuite(secured, "stack", "up", *external(secured), "--state-file", str(tmp_path / "s.json"),
                      MONSUITE_PROMETHEUS_CA_FILE=None)
    assert "MONSUITE_PROMETHEUS_CA_FILE" in one_line_error(result, secured)
    wrong_ca = monsuite(secured, "stack", "up", *external(secured), "--state-file", str(tmp_path / "s.json"),
                        MONSUITE_PROMETHEUS_CA_FILE=str(secured.other_ca.issued.cert))
    assert "not signed by MONSUITE_PROMETHEUS_CA_FILE" in one_line_error(wrong_ca, secured)


def test_missing_credentials_and_half_given_ones_are_one_clear_line(secured, tmp_path):
    missing = monsuite(secured, "stack", "up", *external(secured), "--state-file", str(tmp_path / "s.json"),
                       MONSUITE_PROMETHEUS_USER=None, MONSUITE_PROMETHEUS_PASSWORD=None)
    assert "asks for credentials (HTTP 401)" in one_line_error(missing, secured)
    half = monsuite(secured, "stack", "up", *external(secured), "--state-file", str(tmp_path / "s.json"),
                    MONSUITE_ALERTMANAGER_PASSWORD=None)
    assert "MONSUITE_ALERTMANAGER_USER is set but MONSUITE_ALERTMANAGER_PASSWORD is not" in one_line_error(half, secured)


@pytest.fixture(scope="module")
def bearer_proxy(secured):
    """nginx over TLS in front of the secured Prometheus, admitting one bearer token (as an ingress
    with an auth proxy would), passing basic auth on to Prometheus."""
    token = secrets.token_urlsafe(24)
    upstream = base64.b64encode(f"{USER}:{secured.password}".encode()).decode()
    server = (f'    location / {{\n      if ($http_authorization != "Bearer {token}") {{ return 401; }}\n'
              f'      proxy_set_header Authorization "Basic {upstream}";\n'
              f"      proxy_pass {secured.prometheus};\n    }}\n")
    with StaticNginx(server, tls=(str(secured.server.cert), str(secured.server.key))) as nginx:
        yield nginx.url, token


def test_a_bearer_token_reaches_prometheus_through_a_proxy(secured, bearer_proxy, tmp_path):
    url, token = bearer_proxy
    env = {"MONSUITE_PROMETHEUS_USER": None, "MONSUITE_PROMETHEUS_PASSWORD": None, "MONSUITE_PROMETHEUS_TOKEN": token}
    state = str(tmp_path / "s.json")
    result = monsuite(secured, "stack", "up", "--runtime", "external", "--prometheus-url", url, "--state-file", state, **env)
    assert result.returncode == 0, result.stderr
    assert "bearer token" in result.stdout and token not in result.stdout + result.stderr
    monsuite(secured, "stack", "down", "--state-file", state)
    wrong = monsuite(secured, "stack", "up", "--runtime", "external", "--prometheus-url", url, "--state-file", state,
                     **{**env, "MONSUITE_PROMETHEUS_TOKEN": "not-" + token})
    assert "refused the credentials (HTTP 401)" in one_line_error(wrong, secured)
    assert token not in wrong.stdout + wrong.stderr


def test_commands_given_a_prometheus_url_use_its_credentials(secured, tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text("groups:\n- name: g\n  rules:\n  - alert: PrometheusDown\n    expr: up{job=\"prometheus\"} == 0\n")
    wait_until(lambda: monsuite(secured, "rules", "check", str(rules), "--prometheus-url", secured.prometheus),
               accept=lambda r: r.returncode == 0, timeout=30, what="`up` scraped over TLS and found by rules check")
    refused = monsuite(secured, "rules", "check", str(rules), "--prometheus-url", secured.prometheus,
                       MONSUITE_PROMETHEUS_PASSWORD="wrong")
    assert "refused the credentials" in one_line_error(refused, secured)
