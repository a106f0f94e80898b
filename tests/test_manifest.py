from pathlib import Path

import pytest

from monsuite.errors import ManifestError
from monsuite.manifest import load_manifest

DEFAULT = Path(__file__).resolve().parent.parent / "stacks" / "default"


def write(tmp_path, text):
    (tmp_path / "stack.yaml").write_text(text)
    return tmp_path


def test_the_default_stack_declares_the_core_and_the_unobtainable_components():
    manifest = load_manifest(DEFAULT)
    kinds = {c.kind for c in manifest.components.values()}
    assert {"prometheus", "alertmanager", "exporter", "app", "sink", "grafana", "loki", "jaeger"} <= kinds
    for name in ("grafana", "loki", "jaeger"):
        assert manifest.components[name].optional and manifest.components[name].image
    assert set(manifest.profiles) == {"ci", "real"}
    order = manifest.start_order()
    assert order.index(next(w for w in order if "redis" in w)) < order.index(next(w for w in order if "redis_exporter" in w))


def test_official_images_are_pinned():
    for component in load_manifest(DEFAULT).components.values():
        if component.image:
            assert ":" in component.image and not component.image.endswith(":latest"), component.name


@pytest.mark.parametrize("text, field, problem", [
    ("name: x\ncomponents: {a: {kind: app, module: m}\n", "line", "invalid YAML"),
    ("components: {a: {kind: app, module: m}}\n", "name", "required"),
    ("name: x\ncomponents: {a: {kind: nope, module: m}}\n", "components.a.kind", "must be one of"),
    ("name: x\ncomponents: {a: {kind: app, module: m, colour: red}}\n", "components.a.colour", "unknown key"),
    ("name: x\ncomponents: {a: {kind: app, module: m, depends_on: [b]}}\n", "components.a.depends_on", "unknown component 'b'"),
    ("name: x\ncomponents: {a: {kind: app, module: m, depends_on: [b]}, b: {kind: app, module: m, depends_on: [a]}}\n",
     "depends_on", "dependency cycle"),
    ("name: x\ncomponents: {a: {kind: exporter}}\n", "components.a", "needs at least one of image, binary or module"),
    ("name: x\ncomponents: {a: {kind: app, module: m, ready: {http: health}, ports: [web]}}\n", "components.a.ready.http", "starting with '/'"),
    ("name: x\ncomponents: {a: {kind: app, module: m, ready: {http: /x}}}\n", "components.a.ready", "needs at least one port"),
    ("name: x\nfrobnicate: 1\ncomponents: {a: {kind: app, module: m}}\n", "frobnicate", "unknown key"),
    ("name: x\nprofiles: {ci: {scrape_interval: fast}}\ncomponents: {a: {kind: app, module: m}}\n",
     "profiles.ci.scrape_interval", "Prometheus duration"),
    ("name: x\nscenarios: s.yaml\nprofiles: {ci: {scrape_interval: 1s}}\ncomponents: {a: {kind: app, module: m}}\n",
     "profiles.ci.evaluation_interval", "required when the stack has scenarios"),
    ("name: x\nscenarios: s.yaml\nprofiles: {real: {scrape_interval: 15s}, ci: {time_scale: 60}}\n"
     "components: {a: {kind: app, module: m}}\n", "profiles.real.evaluation_interval", "required"),
])
def test_a_bad_manifest_names_the_file_the_field_and_the_problem(tmp_path, text, field, problem):
    with pytest.raises(ManifestError) as caught:
        load_manifest(write(tmp_path, text))
    message = str(caught.value)
    assert str(tmp_path / "stack.yaml") in message
    assert field in message and problem in message


def test_a_missing_stack_directory_is_a_clear_error(tmp_path):
    with pytest.raises(ManifestError, match="no stack.yaml here"):
        load_manifest(tmp_path / "nowhere")
