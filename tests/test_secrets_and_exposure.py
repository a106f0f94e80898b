"""Secrets stay secret and services stay on 127.0.0.1.

Credentials planted where users keep them (a URL's userinfo, a Grafana token in the environment, a
PagerDuty routing key, webhook and Slack URLs carrying tokens, an SMTP password) must appear in no
output and no artefact of a run; every process or container a run starts listens on loopback only,
as the kernel's socket table says.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.sockets import listeners_of, run_pids
from tests.test_stack_lifecycle import DEFAULT_STACK, docker_or_skip, monsuite

pytestmark = [pytest.mark.live, pytest.mark.slow]


@pytest.mark.parametrize("runtime", ["process", "docker"])
def test_every_started_service_listens_on_loopback_only(runtime, tmp_path):
    if runtime == "docker":
        docker_or_skip()
    state_file = tmp_path / "state.json"
    up = monsuite("stack", "up", "--stack", DEFAULT_STACK, "--runtime", runtime, state_file=state_file)
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        state = json.loads(state_file.read_text())
        listeners = listeners_of(run_pids(state))
        allocated = {p for c in state["components"].values() for p in c["ports"].values()}
        assert allocated <= {listener.port for listener in listeners}, "the socket table misses allocated ports"
        exposed = [str(listener) for listener in listeners if not listener.loopback_only]
        assert exposed == [], "listening beyond 127.0.0.1"
    finally:
        down = monsuite("stack", "down", state_file=state_file)
        assert down.returncode == 0, down.stdout + down.stderr


def _planted(tag: str) -> str:
    return f"planted{tag}{uuid.uuid4().hex[:10]}"


@pytest.fixture
def secrets() -> dict[str, str]:
    return {name: _planted(name) for name in ("userinfo", "token", "routingkey", "slack", "discord", "hook", "smtp")}


def _stack_with_secrets(tmp_path: Path, secrets: dict[str, str]) -> Path:
    stack = tmp_path / "stack"
    shutil.copytree(DEFAULT_STACK, stack)
    config = stack / "alertmanager.yml.j2"
    text = config.read_text()
    replacements = {
        "smtp_require_tls: false": f"smtp_require_tls: false\n  smtp_auth_username: 'alerts'\n"
                                   f"  smtp_auth_password: '{secrets['smtp']}'",
        "routing_key: 'monsuite-local-routing-key'": f"routing_key: '{secrets['routingkey']}'",
        "'{{ sink }}/slack/slack'": f"'{{{{ sink }}}}/slack/slack?token={secrets['slack']}'",
        "'{{ sink }}/discord/discord'": f"'{{{{ sink }}}}/discord/discord?token={secrets['discord']}'",
        "'{{ sink }}/webhook/webhook'": f"'{{{{ sink }}}}/webhook/webhook?token={secrets['hook']}'",
    }
    for old, new in replacements.items():
        assert old in text, f"the default stack's Alertmanager config changed: {old!r} not found"
        text = text.replace(old, new)
    config.write_text(text)
    return stack


def _leaks(secrets: dict[str, str], texts: dict[str, str]) -> list[str]:
    return [f"{name} in {where}" for where, text in texts.items() for name, value in secrets.items() if value in text]


def _artefacts(directory: Path) -> dict[str, str]:
    return {str(p): p.read_text(errors="replace") for p in directory.rglob("*") if p.is_file()}


def test_planted_secrets_appear_in_no_output_or_artefact(secrets, tmp_path):
    stack = _stack_with_secrets(tmp_path, secrets)
    state_file = tmp_path / "state.json"
    env = {"MONSUITE_GRAFANA_TOKEN": secrets["token"], "MONSUITE_GRAFANA_PASSWORD": secrets["token"]}
    outputs: dict[str, str] = {}

    def run(name: str, argv: list[str]) -> subprocess.CompletedProcess:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=tmp_path,
                              env={**os.environ, **env})
        outputs[name] = done.stdout + done.stderr
        return done

    up = run("stack up", [sys.executable, "-m", "monsuite", "stack", "up", "--stack", str(stack), "--runtime", "process",
                          "--state-file", str(state_file)])
    assert up.returncode == 0, outputs["stack up"]
    try:
        state = json.loads(state_file.read_text())
        running_config = (Path(state["run_dir"]) / "config" / "alertmanager.yml").read_text()
        assert all(secrets[n] in running_config for n in ("smtp", "routingkey", "slack", "discord", "hook")), \
            "the secrets were not planted in the running configuration"
        urls = {c["kind"]: c["url"] for c in state["components"].values()}
        prometheus = urls["prometheus"].replace("http://", f"http://monsuite:{secrets['userinfo']}@")
        reports = tmp_path / "reports"
        suites_dir = Path(DEFAULT_STACK).parents[1] / "suites"
        pointed = run("pytest external", [
            sys.executable, "-m", "pytest", str(suites_dir / "test_targets.py"), str(suites_dir / "test_rules.py"),
            "--stack", str(stack), "--runtime", "external", "--prometheus-url", prometheus,
            "--alertmanager-url", urls["alertmanager"], "--report-dir", str(reports / "external"),
            "--junitxml", str(reports / "external" / "junit.xml"), "-rA", "-v", "-p", "no:cacheprovider"])
        delivered = run("pytest receivers", [
            sys.executable, "-m", "pytest", str(suites_dir / "test_receivers.py"), "--stack", str(stack),
            "--runtime", "process", "--report-dir", str(reports / "receivers"),
            "--junitxml", str(reports / "receivers" / "junit.xml"), "-rA", "-v", "-p", "no:cacheprovider"])
        run("stack status", [sys.executable, "-m", "monsuite", "stack", "status", "--state-file", str(state_file)])
        run("routes test", [sys.executable, "-m", "monsuite", "routes", "test", "--config", str(stack / "alertmanager.yml.j2"),
                            str(stack / "routes.yaml")])
        run("slo report", [sys.executable, "-m", "monsuite", "slo", "report", "--spec", str(stack / "slo.yaml"),
                           "--prometheus-url", prometheus, "--out", str(reports / "slo")])
        run("rules check", [sys.executable, "-m", "monsuite", "rules", "check", *map(str, (stack / "rules").glob("*.yml")),
                            "--prometheus-url", prometheus])
        state_text = state_file.read_text()
    finally:
        run("stack down", [sys.executable, "-m", "monsuite", "stack", "down", "--state-file", str(state_file)])
    assert (reports / "slo" / "report.json").exists(), outputs["slo report"]
    for name, done in (("pytest external", pointed), ("pytest receivers", delivered)):
        assert done.returncode == 0 and " passed" in outputs[name], outputs[name][-3000:]
    texts = {**outputs, "state file": state_text, **_artefacts(reports)}
    assert _leaks(secrets, texts) == []
