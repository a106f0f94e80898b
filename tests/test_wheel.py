"""`pip install` of the built wheel works outside the repository: in a fresh virtual environment in a
temporary directory, `monsuite init --example minimal`, `monsuite stack up` / `down` and a pytest run
that uses only the installed plugin's fixtures, with the shipped stacks found inside the package."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reference_configs import ALERTMANAGER_SIMPLE_V025, awesome_rules, reference, require

pytestmark = [pytest.mark.live, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
RULES = awesome_rules("oliver006-redis-exporter.yml")  # a real user's rule file
ALERTMANAGER = reference(ALERTMANAGER_SIMPLE_V025)  # Alertmanager's own example

USER_TEST = '''
def test_the_stack_is_scraped_and_routes_to_the_sinks(stack, prometheus, alertmanager_url, sinks):
    assert stack.manifest.name == "minimal"
    targets = prometheus.targets()
    assert targets and all(t.health == "up" for t in targets)
    assert any(url.startswith(alertmanager_url) for url in prometheus.alertmanagers())
'''


def run(venv: Path, *args, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"
    return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the fresh environment, an empty working directory), both outside the repository."""
    root = tmp_path_factory.mktemp("wheel")
    wheels = root / "wheels"
    # built from a copy: a build in the repository would leave build/ behind, and a stale one there
    # could carry deleted modules into the next wheel
    source = root / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "reports", "__pycache__", "*.egg-info", "results"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # The dependencies come from this environment's site-packages (a plain path: its own .pth files,
    # among them this repository's editable install, are not read), monsuite itself from the wheel.
    target_site = next((venv / "lib").glob("python3*/site-packages"))
    (target_site / "monsuite-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    wheel = next(wheels.glob("monsuite-*.whl"))
    install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-2000:]
    work = root / "work"
    work.mkdir()
    return venv, work


def test_the_package_is_the_wheel_with_its_stacks_inside(installed):
    venv, work = installed
    where = run(venv, "python", "-c", "import monsuite, monsuite.paths as p; print(monsuite.__file__); "
                                      "print(p.shipped_stacks()); print((p.shipped_loadtests() / 'locustfile.py').exists())",
                cwd=work)
    assert where.returncode == 0, where.stderr
    module, stacks, locustfile = where.stdout.strip().splitlines()
    assert str(venv) in module and str(REPO) not in module
    assert "default" in stacks and "minimal" in stacks and locustfile == "True"


def test_init_stack_up_down_and_a_pytest_run_with_the_plugin(installed):
    venv, work = installed
    assert run(venv, "monsuite", "init", "mystack", "--example", "minimal", cwd=work).returncode == 0
    state = work / "state.json"
    up = run(venv, "monsuite", "stack", "up", "--stack", "mystack", "--state-file", str(state), cwd=work)
    try:
        assert up.returncode == 0, up.stdout[-1500:] + up.stderr[-1500:]
        status = run(venv, "monsuite", "stack", "status", "--state-file", str(state), cwd=work)
        assert status.returncode == 0, status.stdout + status.stderr
    finally:
        down = run(venv, "monsuite", "stack", "down", "--state-file", str(state), cwd=work)
    assert down.returncode == 0, down.stdout + down.stderr
    (work / "test_mine.py").write_text(USER_TEST)
    tested = run(venv, "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mine.py", "--stack", "mystack",
                 "--report-dir", str(work / "reports"), cwd=work)
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-1500:]
    assert "1 passed" in tested.stdout


def test_the_shipped_suites_pass_on_a_stack_made_from_the_users_own_files(installed):
    """init from a rule file and an Alertmanager config, then the suites from the wheel: every starting
    scenario fires, routes and resolves live, and the routing baseline holds end to end."""
    require()
    venv, work = installed
    made = run(venv, "monsuite", "init", "theirs", "--rules", str(RULES), "--alertmanager-config", str(ALERTMANAGER), cwd=work)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "8 starting scenarios for 12 alert rules" in made.stdout
    tested = run(venv, "python", "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "monsuite.suites", "--stack", "theirs",
                 "-k", "test_alert_scenario or test_routing or test_receivers or test_targets",
                 "--report-dir", str(work / "theirs-reports"), cwd=work, timeout=600)
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-1500:]
    assert " failed" not in tested.stdout and "8/12 alert rules have a passing live scenario" in tested.stdout
