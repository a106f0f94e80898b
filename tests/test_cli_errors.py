"""Bad input: exit status 2, one clear line naming the file and the problem, no traceback, nothing started."""

import subprocess
import sys
from pathlib import Path

DEFAULT_STACK = str(Path(__file__).resolve().parent.parent / "stacks" / "default")


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "monsuite", *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def test_a_bad_manifest_exits_2_with_one_line(tmp_path):
    (tmp_path / "stack.yaml").write_text("name: broken\ncomponents:\n  prometheus: {kind: prometheus, colour: red}\n")
    result = run("stack", "up", "--stack", str(tmp_path), "--state-file", str(tmp_path / "state.json"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(tmp_path / "stack.yaml") in lines[0] and "components.prometheus.colour" in lines[0]
    assert not (tmp_path / "state.json").exists()


def test_invalid_yaml_names_the_line(tmp_path):
    (tmp_path / "stack.yaml").write_text("name: x\ncomponents: [\n")
    result = run("stack", "up", "--stack", str(tmp_path), "--state-file", str(tmp_path / "s.json"))
    assert result.returncode == 2 and "invalid YAML" in result.stderr and "Traceback" not in result.stderr


def test_a_missing_binary_exits_2_and_says_how_to_provide_it(tmp_path):
    (tmp_path / "stack.yaml").write_text(
        "name: x\nprofiles: {ci: {}}\ncomponents:\n  prometheus:\n    kind: prometheus\n"
        "    image: prom/prometheus:v2.42.0\n    binary: no-such-prometheus\n    ports: [web]\n")
    result = run("stack", "up", "--stack", str(tmp_path), "--runtime", "process", "--state-file", str(tmp_path / "s.json"))
    assert result.returncode == 2
    assert "no-such-prometheus not found on PATH" in result.stderr and "prom/prometheus:v2.42.0" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unknown_profile_exits_2(tmp_path):
    result = run("stack", "up", "--stack", DEFAULT_STACK, "--profile", "weekly", "--state-file", str(tmp_path / "s.json"))
    assert result.returncode == 2 and "no profile 'weekly'" in result.stderr


def test_status_and_down_without_a_stack_exit_2(tmp_path):
    for action in ("status", "down"):
        result = run("stack", action, "--state-file", str(tmp_path / "none.json"))
        assert result.returncode == 2 and "no stack is up" in result.stderr


def test_a_component_that_dies_at_start_exits_2_with_its_output_and_leaves_nothing(tmp_path):
    from tests.leftovers import leftovers

    (tmp_path / "stack.yaml").write_text(
        "name: x\nprofiles: {ci: {}}\ncomponents:\n"
        "  sleeper: {kind: app, binary: sleep, args: ['600'], ports: [web], ready: {tcp: true, timeout: 20}}\n"
        "  crasher: {kind: app, binary: sh, args: [-c, 'echo cannot bind port {{ this.port }} >&2; exit 3'], ports: [web]}\n")
    result = run("stack", "up", "--stack", str(tmp_path), "--runtime", "process", "--state-file", str(tmp_path / "s.json"))
    assert result.returncode == 2, result.stderr
    assert "crasher exited with status 3 before it was ready" in result.stderr and "cannot bind port" in result.stderr
    run_id = result.stdout.split()[1].rstrip(":")
    assert leftovers(run_id) == []
    assert not (tmp_path / "s.json").exists()


def copy_default_stack(tmp_path):
    import shutil

    target = tmp_path / "stack"
    shutil.copytree(DEFAULT_STACK, target)
    return target


def test_scenarios_check_reports_coverage_and_a_bad_scenario_exits_2(tmp_path):
    stack = copy_default_stack(tmp_path)
    ok = run("scenarios", "check", "--stack", str(stack))
    assert ok.returncode == 0 and "20 scenarios for 20/20 alert rules" in ok.stdout
    path = stack / "scenarios.yaml"
    path.write_text(path.read_text().replace("alert: NodeDown", "alert: NodeGone"))
    bad = run("scenarios", "check", "--stack", str(stack))
    assert bad.returncode == 2
    assert f"{path}: scenarios[1] (node-exporter-down).alert: no alert rule named 'NodeGone'" in bad.stderr


def test_pytest_stops_at_collection_with_exit_2_on_a_bad_scenarios_file(tmp_path):
    stack = copy_default_stack(tmp_path)
    path = stack / "scenarios.yaml"
    path.write_text(path.read_text().replace("receivers: [slack]", "receivers: [slak]", 1))
    suite = Path(__file__).resolve().parent.parent / "suites" / "test_alerts.py"
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:locust", "-q", str(suite), "--stack", str(stack),
                             "--collect-only"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stdout
    assert "no receiver 'slak'" in result.stdout and "(high-error-rate).receivers" in result.stdout


def test_an_external_stack_without_any_url_is_refused(tmp_path):
    result = run("stack", "up", "--runtime", "external", "--state-file", str(tmp_path / "s.json"))
    assert result.returncode == 2 and "give at least --prometheus-url" in result.stderr
    assert not (tmp_path / "s.json").exists()


def test_optional_must_be_a_real_boolean(tmp_path):
    (tmp_path / "stack.yaml").write_text('name: x\ncomponents:\n  a: {kind: app, module: m, optional: "no"}\n')
    result = run("stack", "up", "--stack", str(tmp_path), "--state-file", str(tmp_path / "s.json"))
    assert result.returncode == 2 and "components.a.optional: must be true or false" in result.stderr


def test_routes_test_that_would_check_nothing_is_refused(tmp_path):
    stack = Path(DEFAULT_STACK)
    result = run("routes", "test", "--no-live", "--no-amtool", "--config", str(stack / "alertmanager.yml.j2"),
                 str(stack / "routes.yaml"))
    assert result.returncode == 2 and "check nothing" in result.stderr
