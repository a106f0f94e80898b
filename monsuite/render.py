"""Render a stack's configuration into its run directory.

Files ending in `.j2` are Jinja2 templates (the suffix is dropped); everything else is copied as is,
so rule files and Alertmanager templates keep their own `{{ }}` syntax untouched.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Callable

import jinja2

from monsuite.errors import ManifestError
from monsuite.profiles import ProfileVariables

class _Undefined(jinja2.StrictUndefined):
    """A missing profile variable is named with where to define it."""

    @property
    def _undefined_message(self) -> str:
        profile = self._undefined_obj
        if isinstance(profile, ProfileVariables) and isinstance(self._undefined_name, str):
            return (f"uses profile.{self._undefined_name}, which profile {profile.get('name')!r} does not define: "
                    f"add {self._undefined_name} under profiles.{profile.get('name')} (or profiles.real) in {profile.manifest_path}")
        return super()._undefined_message


_env = jinja2.Environment(undefined=_Undefined, keep_trailing_newline=True)


def render_string(template: str, context: dict, *, source: Path, field: str) -> str:
    try:
        return _env.from_string(template).render(context)
    except jinja2.TemplateError as exc:
        raise ManifestError(source, field, f"template error: {exc}") from None


def render_tree(stack_dir: Path, config_dir: Path, context: dict,
                transforms: dict[Path, Callable[[str], str]] | None = None) -> list[Path]:
    """Copy/render every file of the stack directory except stack.yaml; return the written files.

    ``transforms`` maps a source file to a function applied to its text (the time scaling of rules).
    """
    transforms = {p.resolve(): f for p, f in (transforms or {}).items()}
    config_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted(stack_dir.rglob("*")):
        if source.is_dir() or source.name == "stack.yaml" or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(stack_dir)
        if source.suffix == ".j2":
            target = config_dir / relative.with_suffix("")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render_string(source.read_text(), context, source=source, field=""))
        elif source.resolve() in transforms:
            target = config_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(transforms[source.resolve()](source.read_text()))
        else:
            target = config_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        target.chmod(0o644)
        written.append(target)
    for directory in [config_dir, *[p for p in config_dir.rglob("*") if p.is_dir()]]:
        directory.chmod(0o755)
    return written


CONFIG_REFERENCE = re.compile(r"\{\{\s*config_dir\s*\}\}/([^\s'\"*?\[]+)(?=[\s'\"]|$)")


def missing_config_files(manifest, config_dir: Path) -> list[tuple[str, str]]:
    """(field, file) for every `{{ config_dir }}/<file>` a component's args or env name that the stack
    directory does not provide (neither <file> nor <file>.j2 beside stack.yaml). Globs are left to the program."""
    missing = []
    for name, component in manifest.components.items():
        for field, values in (("args", component.args), ("env", tuple(component.env.values()))):
            for value in values:
                for relative in CONFIG_REFERENCE.findall(value):
                    if not (config_dir / relative).exists():
                        missing.append((f"components.{name}.{field}", relative))
    return missing
