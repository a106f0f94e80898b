import pytest

from monsuite.errors import ManifestError
from monsuite.render import render_tree


def test_templates_are_rendered_and_other_files_are_copied_verbatim(tmp_path):
    stack = tmp_path / "stack"
    (stack / "rules").mkdir(parents=True)
    (stack / "stack.yaml").write_text("name: x\n")
    (stack / "prometheus.yml.j2").write_text("port: {{ components.p.port }}\n")
    rule = "summary: '{{ $value | humanizePercentage }}'\n"
    (stack / "rules" / "a.yml").write_text(rule)
    out = tmp_path / "out"
    written = render_tree(stack, out, {"components": {"p": {"port": 9090}}})
    assert (out / "prometheus.yml").read_text() == "port: 9090\n"
    assert (out / "rules" / "a.yml").read_text() == rule
    assert not (out / "stack.yaml").exists()
    assert len(written) == 2


def test_an_undefined_template_variable_names_the_file(tmp_path):
    (tmp_path / "am.yml.j2").write_text("{{ components.nope.port }}")
    with pytest.raises(ManifestError, match=r"am\.yml\.j2: template error"):
        render_tree(tmp_path, tmp_path / "out", {"components": {}})


def test_a_config_file_the_args_name_but_the_stack_lacks_is_named(tmp_path):
    from monsuite.manifest import load_manifest
    from monsuite.render import missing_config_files

    (tmp_path / "stack.yaml").write_text(
        "name: x\ncomponents:\n  prometheus:\n    kind: prometheus\n    binary: prometheus\n"
        "    args: ['--config.file={{ config_dir }}/prometheus.yml', '--rules={{ config_dir }}/rules/*.yml']\n")
    config = tmp_path / "config"
    config.mkdir()
    assert missing_config_files(load_manifest(tmp_path), config) == [("components.prometheus.args", "prometheus.yml")]
    (config / "prometheus.yml").write_text("global: {}\n")
    assert missing_config_files(load_manifest(tmp_path), config) == []
