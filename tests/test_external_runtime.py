"""The external runtime starts nothing and stops nothing: it points at what the user runs."""

import subprocess
import time

import pytest
import requests

from monsuite.manifest import load_manifest
from monsuite.ports import free_ports
from monsuite.run import Run
from monsuite.stack import Stack, StackStartError
from monsuite.waits import wait_until
from tests.test_stack_lifecycle import DEFAULT_STACK

pytestmark = pytest.mark.live


@pytest.fixture
def users_prometheus(tmp_path):
    """A Prometheus the user runs themselves (here: a bare process outside monsuite)."""
    (port,) = free_ports(1)
    (tmp_path / "p.yml").write_text("global: {scrape_interval: 1s}\n")
    proc = subprocess.Popen(["prometheus", f"--config.file={tmp_path / 'p.yml'}", f"--storage.tsdb.path={tmp_path / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: requests.get(f"{url}/-/ready", timeout=1).status_code == 200, timeout=20, what="the user's Prometheus")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_external_points_at_given_urls_and_skips_the_rest_with_reasons(users_prometheus):
    stack = Run.of(str(DEFAULT_STACK), runtime="external", urls={"prometheus": users_prometheus + "/"}).new_stack()
    stack.start()
    try:
        assert stack.url("prometheus") == users_prometheus
        assert stack.handles["prometheus"].runtime == "external"
        assert set(stack.handles) == {"prometheus"}
        assert "no --alertmanager-url given" in stack.reason_unavailable("alertmanager")
        assert "is not started" in stack.reason_unavailable("demo")
        assert stack.run_dir is not None
    finally:
        stack.stop()
    assert requests.get(f"{users_prometheus}/-/ready", timeout=2).status_code == 200, "external Prometheus was stopped"


def test_an_unreachable_external_url_is_a_clear_start_error(tmp_path):
    (port,) = free_ports(1)
    (tmp_path / "stack.yaml").write_text(
        "name: x\nprofiles: {ci: {}}\ncomponents:\n"
        "  prometheus: {kind: prometheus, binary: prometheus, ports: [web], ready: {http: /-/ready, timeout: 0.5}}\n")
    stack = Stack(load_manifest(tmp_path), runtime="external", urls={"prometheus": f"http://127.0.0.1:{port}"})
    began = time.monotonic()
    with pytest.raises(StackStartError, match=f"prometheus ready \\(http://127.0.0.1:{port}/-/ready\\): connection refused"):
        stack.start()
    assert time.monotonic() - began < 3, "a refused connection is final: no readiness timeout is waited out"
