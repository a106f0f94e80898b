"""`monsuite components`: the recipes, the cache and the command's answers, without building anything
(the builds themselves run in the set-up; the live suites use what they made)."""

from __future__ import annotations

import json
import os

import pytest

from monsuite.cli import main
from monsuite.components import build, release
from monsuite.components.recipes import RECIPES, UNBUILDABLE


def test_every_recipe_pins_a_module_version_and_names_its_binaries():
    for recipe in RECIPES.values():
        assert recipe.version.startswith("v") and recipe.module.startswith("github.com/")
        assert recipe.commands and all(package.startswith("./cmd/") for package in recipe.commands.values())
        assert recipe.key == f"{recipe.name}-{recipe.version}"


def test_a_cached_build_is_found_only_when_complete(tmp_path, monkeypatch):
    monkeypatch.setenv(build.CACHE_VARIABLE, str(tmp_path))
    recipe = RECIPES["sloth"]
    assert build.find_built(recipe) is None
    folder = tmp_path / recipe.key
    folder.mkdir()
    (folder / "sloth").write_text("#!/bin/sh\n")
    record = {"name": "sloth", "module": recipe.module, "version": recipe.version, "release": recipe.release,
              "binaries": {"sloth": str(folder / "sloth")}, "seconds": 3.0, "size_bytes": 10}
    (folder / "build.json").write_text(json.dumps(record))
    assert build.find_built(recipe) is None  # not executable: an interrupted copy
    os.chmod(folder / "sloth", 0o755)
    found = build.find_built(recipe)
    assert found.from_cache and found.binaries["sloth"] == str(folder / "sloth")
    assert build.binary("sloth") == str(folder / "sloth")


def test_the_command_refuses_unknown_and_agpl_components_with_one_line(capsys):
    assert main(["components", "build", "nope"]) == 2
    assert "no such component to build; choose from prometheus" in capsys.readouterr().err
    assert main(["components", "build", "grafana"]) == 2
    err = capsys.readouterr().err
    assert "AGPL-3.0" in err and "--grafana-url" in err
    assert set(UNBUILDABLE) == {"grafana", "loki"}


def test_skipping_the_build_builds_nothing(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(build.CACHE_VARIABLE, str(tmp_path))
    monkeypatch.setenv("MONSUITE_SKIP_COMPONENT_BUILD", "1")
    assert main(["components", "build"]) == 0
    assert "nothing built" in capsys.readouterr().out and not any(tmp_path.iterdir())


def test_the_current_release_needs_its_build_and_says_how(monkeypatch, tmp_path):
    monkeypatch.setenv(build.CACHE_VARIABLE, str(tmp_path))
    monkeypatch.setenv("PATH", os.environ["PATH"])
    with pytest.raises(Exception, match="monsuite components build prometheus alertmanager"):
        release.apply("current")


def test_the_current_release_goes_first_on_path_and_back(monkeypatch):
    if any(build.find_built(RECIPES[n]) is None for n in ("prometheus", "alertmanager")):
        pytest.skip("Prometheus 3.16 / Alertmanager 0.35 are not built (`monsuite components build`)")
    monkeypatch.setenv("PATH", os.environ["PATH"])
    monkeypatch.setenv(release.VARIABLE, "debian")
    import shutil

    release.apply("current")
    assert os.path.realpath(shutil.which("promtool")) == build.binary("prometheus", "promtool")
    assert os.path.realpath(shutil.which("prometheus-alertmanager")) == build.binary("alertmanager")
    release.apply("debian")
    assert os.path.realpath(shutil.which("promtool")) != build.binary("prometheus", "promtool")
