from monsuite.manifest import Component
from monsuite.runtimes import docker
from monsuite.runtimes.base import Choice, Unavailable
from monsuite.runtimes.select import choose


def component(**overrides):
    base = dict(name="grafana", kind="grafana", image="grafana/grafana:10.4.2", binary=("no-such-grafana-binary",))
    return Component(**{**base, **overrides})


def test_process_runtime_names_the_missing_binary_and_every_way_to_provide_it():
    found = choose(component(), "process", {})
    assert isinstance(found, Unavailable)
    assert "no-such-grafana-binary not found on PATH" in found.reason
    assert "grafana/grafana:10.4.2" in found.reason and "--grafana-url" in found.reason


def test_external_runtime_uses_the_given_url_and_starts_nothing_else():
    assert choose(component(), "external", {"grafana": "http://127.0.0.1:3000/"}) == Choice(
        "external", "URL http://127.0.0.1:3000/", url="http://127.0.0.1:3000")
    exporter = component(name="node", kind="exporter", image=None, binary=("true",))
    assert isinstance(choose(exporter, "external", {}), Unavailable)


def test_auto_prefers_a_given_url(monkeypatch):
    found = choose(component(), "auto", {"grafana": "http://127.0.0.1:3000"})
    assert found.runtime == "external"


def test_auto_falls_back_to_a_host_binary_when_docker_cannot_help(monkeypatch):
    monkeypatch.setattr(docker, "choose", lambda c: Unavailable("no Docker daemon answers"))
    found = choose(component(binary=("sh",)), "auto", {})
    assert found.runtime == "process" and found.argv0[0].endswith("/sh")


def test_docker_runtime_runs_monsuites_own_python_components_as_processes(monkeypatch):
    monkeypatch.setattr(docker, "choose", lambda c: Unavailable("no image is declared"))
    found = choose(Component(name="demo", kind="app", module="monsuite.demo"), "docker", {})
    assert found.runtime == "process" and found.argv0[1:] == ["-m", "monsuite.demo"]
