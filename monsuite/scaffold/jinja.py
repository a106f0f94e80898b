"""Writing user-provided YAML as a stack template: their text must reach the rendered file unchanged."""

from __future__ import annotations

import yaml

JINJA_MARKERS = ("{{", "{%", "{#")


def escape(value):
    """Every string that Jinja would read as its own syntax (Go templates, mostly) is kept verbatim."""
    if isinstance(value, str) and any(marker in value for marker in JINJA_MARKERS):
        return "{% raw %}" + value + "{% endraw %}"
    if isinstance(value, dict):
        return {key: escape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [escape(item) for item in value]
    return value


class Placeholder(str):
    """A Jinja expression placed in a template on purpose (never escaped)."""


class _Dumper(yaml.SafeDumper):
    pass


# Quoted, so that the template is valid YAML before rendering too (a tool may read it unrendered).
_Dumper.add_representer(Placeholder, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="'"))


def dump_template(data: dict, header: str = "") -> str:
    escaped = _escape_except_placeholders(data)
    return header + yaml.dump(escaped, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=120)


def _escape_except_placeholders(value):
    if isinstance(value, Placeholder):
        return value
    if isinstance(value, dict):
        return {key: _escape_except_placeholders(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escape_except_placeholders(item) for item in value]
    return escape(value)
