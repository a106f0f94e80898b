"""Time profiles: `real` is the configuration as written; a profile with `time_scale: N` is the
`real` profile with every duration divided by N (rules included, see monsuite.rules.scale)."""

from __future__ import annotations

from monsuite.errors import UserError
from monsuite.manifest import StackManifest
from monsuite.timescale import is_duration, scale_duration


class ProfileVariables(dict):
    """A resolved profile: its variables, and where they are defined (for a template's missing variable)."""

    def __init__(self, values: dict, manifest_path):
        super().__init__(values)
        self.manifest_path = manifest_path


def resolve_profile(manifest: StackManifest, name: str) -> dict:
    return ProfileVariables(_resolve(manifest, name), manifest.path)


def _resolve(manifest: StackManifest, name: str) -> dict:
    if name not in manifest.profiles:
        raise UserError(f"{manifest.path}: profiles: no profile {name!r} (have: {', '.join(manifest.profiles) or 'none'})")
    own = manifest.profiles[name]
    scale = own.get("time_scale")
    if not scale or scale == 1:
        return {"name": name, "time_scale": 1, **own}
    base = manifest.profiles["real"]
    scaled = {key: scale_duration(value, scale) if is_duration(value) else value for key, value in base.items()}
    return {**scaled, **own, "name": name, "time_scale": scale}
