"""YAML for user-written files: like yaml.safe_load, but a key given twice is an error, not a
silent override (a pasted block that repeats `unit:` would otherwise replace the first one)."""

from __future__ import annotations

import yaml


class DuplicateKeyError(yaml.YAMLError):
    def __init__(self, key, mark):
        self.problem = f"key {key!r} appears twice in one mapping"
        self.problem_mark = mark
        super().__init__(self.problem)


_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where PyYAML was built with it


class _StrictLoader(_FAST):  # type: ignore[misc, valid-type]
    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise DuplicateKeyError(key, key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str):
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


def load_yaml_fast(text: str):
    """yaml.safe_load through libyaml's parser (several times faster on large files)."""
    return yaml.load(text, Loader=_FAST)  # noqa: S506 - a safe loader
