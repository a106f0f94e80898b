"""Locust's distributed mode: `monsuite load run --workers N` and `monsuite load calibrate`, a master
and worker processes against real targets (Debian's nginx, the demo service, a real Pushgateway).
The calibration's numbers are printed and written to reports/load-calibration.json."""

import re
import shutil
import subprocess
import sys

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from monsuite.load.calibrate import calibrate
from monsuite.load.locust_run import run_locust
from monsuite.load.scenario import LoadScenario
from monsuite.ports import free_port
from monsuite.processes import stop_process
from monsuite.waits import wait_until
from tests.measurements import keep

pytestmark = [pytest.mark.load, pytest.mark.slow]


def test_two_workers_aggregate_every_request_nginx_served():
    result = calibrate(2, users=16, seconds=5)
    print("\n" + "\n".join(result.lines()))
    keep("load-calibration", result.to_json())
    for session in (result.single, result.distributed):
        assert session.requests > 100 and session.failures == 0
        # the master's aggregate is the traffic of both workers, not one worker's share
        assert session.requests == session.served
    assert result.distributed.workers == 2 and result.ratio > 0


@pytest.fixture
def pushgateway():
    binary = shutil.which("prometheus-pushgateway") or shutil.which("pushgateway")
    assert binary, "the Pushgateway is not installed: run scripts/setup.sh"
    url = f"http://127.0.0.1:{free_port()}"
    process = subprocess.Popen([binary, f"--web.listen-address={url[7:]}", "--persistence.file="], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: requests.get(f"{url}/-/ready", timeout=1).ok, timeout=20, what="the Pushgateway")
        yield url
    finally:
        stop_process(process)


def pushed_requests(url: str) -> float:
    text = requests.get(f"{url}/metrics", timeout=5).text
    return sum(sample.value for family in text_string_to_metric_families(text) if family.name == "locust_requests_total"
               for sample in family.samples if sample.labels.get("job") == "locust")


def test_the_master_exports_the_aggregate_to_the_pushgateway(demo_server, pushgateway):
    scenario = LoadScenario("t", None, 8, 8, 5, None, {})
    result = run_locust(scenario, demo_server.url, pushgateway=pushgateway, workers=2)
    assert result.workers == 2 and result.requests > 50 and result.failures == 0
    # the master alone pushes (a worker's own counts are reset each time it reports), and pushes its
    # final aggregate as it quits: exactly the session's requests
    assert pushed_requests(pushgateway) == result.requests


def test_load_run_with_workers_judges_the_aggregate(demo_server, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: t\nusers: 6\nspawn_rate: 6\nduration: 3s\nthresholds:\n  error_rate: 0.01\n  min_rps: 1\n")
    result = subprocess.run([sys.executable, "-m", "monsuite", "load", "run", str(path), "--host", demo_server.url,
                             "--workers", "2"], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 Locust workers" in result.stdout and "PASS  min_rps" in result.stdout
    # the rate judged is the session's (both workers'), whatever this machine's speed made it
    printed = float(re.search(r"(\d+(?:\.\d+)?) req/s", result.stdout).group(1))
    judged = float(re.search(r"min_rps\s+(\d+(?:\.\d+)?) >=", result.stdout).group(1))
    assert judged == pytest.approx(printed, abs=0.5), result.stdout


@pytest.mark.parametrize("args", [["load", "run", "baseline", "--host", "http://127.0.0.1:1", "--workers", "-1"],
                                  ["load", "calibrate", "--workers", "0"], ["load", "calibrate", "--duration", "soon"]])
def test_bad_worker_options_exit_2_with_one_line(args):
    result = subprocess.run([sys.executable, "-m", "monsuite", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
