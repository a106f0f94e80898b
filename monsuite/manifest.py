"""stacks/<name>/stack.yaml: the components of a stack, read and validated.

One manifest serves every runtime: a component names its official image (docker), its host binary
or Python module (process), and the URL kind that an external stack provides (external).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


from monsuite.errors import ManifestError
from monsuite.timescale import is_duration
from monsuite.userio.inputs import read_yaml, refuse_unknown_keys

KINDS = {"prometheus", "alertmanager", "grafana", "loki", "jaeger", "exporter", "app", "traffic", "sink", "database", "cache",
         "logship"}
# Kinds an external stack can point at with --<kind>-url.
EXTERNAL_KINDS = ("prometheus", "alertmanager", "grafana", "loki", "jaeger")
COMPONENT_KEYS = {
    "kind", "image", "image_user", "binary", "module", "args", "env", "ports", "url", "ready", "depends_on",
    "run_as", "init", "after_start", "optional", "description", "stop_signal", "build",
}
STOP_SIGNALS = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGKILL")
# Profile variables monsuite itself reads (templates may use any others). Each is a Prometheus duration.
TIMING_VARIABLES = ("scrape_interval", "scrape_timeout", "evaluation_interval", "group_wait", "group_interval",
                    "repeat_interval", "resolve_timeout", "resend_delay")
# What the alert campaign needs to compute each stage's floor (group_wait defaults to 0s).
CAMPAIGN_VARIABLES = ("scrape_interval", "evaluation_interval")
READY_KEYS = {"http", "tcp", "timeout"}


@dataclass(frozen=True)
class Readiness:
    http: str | None = None  # path answered with 2xx on the main port
    tcp: bool = False  # the main port accepts connections
    timeout: float = 30.0


@dataclass(frozen=True)
class Component:
    name: str
    kind: str
    image: str | None = None
    image_user: str | None = None
    binary: tuple[str, ...] = ()
    module: str | None = None
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    ports: tuple[str, ...] = ()
    url: str | None = None
    ready: Readiness = Readiness()
    depends_on: tuple[str, ...] = ()
    run_as: str | None = None
    init: tuple[tuple[str, ...], ...] = ()
    after_start: tuple[tuple[str, ...], ...] = ()
    optional: bool = False
    description: str = ""
    build: str | None = None  # a `monsuite components build` recipe whose binary serves where none is on PATH
    stop_signal: str = "SIGTERM"  # the first signal the process runtime sends (then SIGKILL after a grace period)


@dataclass(frozen=True)
class StackManifest:
    name: str
    path: Path  # the stack.yaml file
    components: dict[str, Component]
    profiles: dict[str, dict]
    description: str = ""
    rule_files: tuple[str, ...] = ()  # globs relative to the stack directory
    scenarios: str | None = None  # the scenarios file, relative to the stack directory
    canary: bool = True  # add monsuite's pipeline canary (monsuite.alerts.canary) to the rendered configs

    @property
    def directory(self) -> Path:
        return self.path.parent

    def start_order(self) -> list[list[str]]:
        """Components in waves: each wave depends only on earlier waves."""
        done: set[str] = set()
        waves = []
        remaining = dict(self.components)
        while remaining:
            wave = sorted(n for n, c in remaining.items() if set(c.depends_on) <= done)
            if not wave:  # validated away in load_manifest; kept as a guard
                raise ManifestError(self.path, "components", f"dependency cycle among {sorted(remaining)}")
            waves.append(wave)
            done.update(wave)
            for name in wave:
                del remaining[name]
        return waves


def resolve_stack_path(stack: str | Path) -> Path:
    """Accept a stack directory, its stack.yaml, or the name of a stack that ships with monsuite."""
    from monsuite.paths import shipped_stack, shipped_stacks

    path = Path(stack)
    if not path.exists() and str(stack) in shipped_stacks():
        path = shipped_stack(str(stack))
    if path.is_dir():
        path = path / "stack.yaml"
    if not path.is_file():
        raise ManifestError(stack, "", "no stack.yaml here; pass a stack directory, or the name of a shipped stack "
                                       f"({', '.join(shipped_stacks())})")
    return path


def load_manifest(stack: str | Path) -> StackManifest:
    path = resolve_stack_path(stack)
    raw = read_yaml(path, "stack manifest (name, components, ...)")
    refuse_unknown_keys(raw, ("name", "description", "profiles", "components", "rule_files", "scenarios", "canary"), path)
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise ManifestError(path, "name", "required: a non-empty string")
    profiles = raw.get("profiles") or {}
    if not isinstance(profiles, dict) or not all(isinstance(v, dict) for v in profiles.values()):
        raise ManifestError(path, "profiles", "must map a profile name (ci, real) to a mapping of template variables")
    comps_raw = raw.get("components")
    if not isinstance(comps_raw, dict) or not comps_raw:
        raise ManifestError(path, "components", "required: a mapping of component name to its definition")
    components = {cname: _component(path, cname, body) for cname, body in comps_raw.items()}
    for comp in components.values():
        for dep in comp.depends_on:
            if dep not in components:
                raise ManifestError(path, f"components.{comp.name}.depends_on", f"unknown component {dep!r}")
    rule_files = raw.get("rule_files") or ()
    if not _is_str_list(rule_files):
        raise ManifestError(path, "rule_files", "must be a list of file globs relative to the stack directory")
    scenarios = raw.get("scenarios")
    if scenarios is not None and not isinstance(scenarios, str):
        raise ManifestError(path, "scenarios", "must be the path of a scenarios file relative to the stack directory")
    canary = raw.get("canary", True)
    if not isinstance(canary, bool):
        raise ManifestError(path, "canary", "must be true (default: monsuite adds its pipeline canary) or false")
    for pname, body in profiles.items():
        scale = body.get("time_scale")
        if scale is not None and (not isinstance(scale, (int, float)) or isinstance(scale, bool) or scale < 1):
            raise ManifestError(path, f"profiles.{pname}.time_scale", "must be a number >= 1")
        if scale is not None and "real" not in profiles:
            raise ManifestError(path, f"profiles.{pname}.time_scale", "scales the 'real' profile, which is missing")
        _check_profile(path, pname, {**(profiles.get("real", {}) if scale else {}), **body}, needs_campaign=bool(scenarios))
    manifest = StackManifest(name=name, path=path, components=components, profiles=profiles,
                             description=str(raw.get("description") or ""), rule_files=tuple(rule_files),
                             scenarios=scenarios, canary=canary)
    _check_acyclic(manifest)
    return manifest


def _check_profile(path: Path, name: str, variables: dict, needs_campaign: bool) -> None:
    """`variables`: the profile as it resolves (a scaled profile inherits from `real`)."""
    for key in TIMING_VARIABLES:
        if key in variables and not is_duration(variables[key]):
            raise ManifestError(path, f"profiles.{name}.{key}",
                                f"must be a Prometheus duration such as 15s or 250ms, got {variables[key]!r}")
    missing = [key for key in CAMPAIGN_VARIABLES if key not in variables] if needs_campaign else []
    if missing:
        raise ManifestError(path, f"profiles.{name}.{missing[0]}",
                            "required when the stack has scenarios: the alert campaign times each stage from "
                            f"{', '.join(CAMPAIGN_VARIABLES)} (and group_wait, default 0s)")


def _component(path: Path, name: str, body) -> Component:
    where = f"components.{name}"
    if not isinstance(name, str) or not name.replace("_", "").replace("-", "").isalnum():
        raise ManifestError(path, where, "a component name uses letters, digits, '-' and '_' only")
    if not isinstance(body, dict):
        raise ManifestError(path, where, "must be a mapping")
    unknown = set(body) - COMPONENT_KEYS
    if unknown:
        raise ManifestError(path, f"{where}.{sorted(unknown)[0]}", f"unknown key; allowed: {', '.join(sorted(COMPONENT_KEYS))}")
    kind = body.get("kind")
    if kind not in KINDS:
        raise ManifestError(path, f"{where}.kind", f"must be one of {', '.join(sorted(KINDS))} (got {kind!r})")
    binary = body.get("binary") or ()
    if isinstance(binary, str):
        binary = (binary,)
    if not _is_str_list(binary):
        raise ManifestError(path, f"{where}.binary", "must be a program name or a list of candidate paths")
    if not (body.get("image") or binary or body.get("module")) and kind not in EXTERNAL_KINDS:
        raise ManifestError(path, where, "needs at least one of image, binary or module")
    args = body.get("args") or ()
    if not _is_str_list(args):
        raise ManifestError(path, f"{where}.args", "must be a list of strings")
    ports = body.get("ports") or ()
    if not _is_str_list(ports) or len(set(ports)) != len(ports):
        raise ManifestError(path, f"{where}.ports", "must be a list of distinct port names, e.g. [web]")
    env = body.get("env") or {}
    if not isinstance(env, dict):
        raise ManifestError(path, f"{where}.env", "must be a mapping of variable to value")
    depends = body.get("depends_on") or ()
    if not _is_str_list(depends):
        raise ManifestError(path, f"{where}.depends_on", "must be a list of component names")
    build = body.get("build")
    if build is not None:
        from monsuite.components.recipes import RECIPES

        if build not in RECIPES:
            raise ManifestError(path, f"{where}.build", f"no such component to build; choose from {', '.join(RECIPES)}")
    stop_signal = body.get("stop_signal", "SIGTERM")
    if stop_signal not in STOP_SIGNALS:
        raise ManifestError(path, f"{where}.stop_signal", f"must be one of {', '.join(STOP_SIGNALS)}")
    return Component(
        stop_signal=stop_signal, build=build,
        name=name, kind=kind, image=body.get("image"), image_user=body.get("image_user"),
        binary=tuple(binary), module=body.get("module"), args=tuple(args),
        env={str(k): str(v) for k, v in env.items()}, ports=tuple(ports), url=body.get("url"),
        ready=_readiness(path, where, body.get("ready"), ports), depends_on=tuple(depends),
        run_as=body.get("run_as"), init=_commands(path, f"{where}.init", body.get("init")),
        after_start=_commands(path, f"{where}.after_start", body.get("after_start")),
        optional=_boolean(path, f"{where}.optional", body.get("optional", False)), description=str(body.get("description") or ""),
    )


def _boolean(path: Path, field: str, value) -> bool:
    if not isinstance(value, bool):  # YAML's "no" in quotes is a string, and a string is true in Python
        raise ManifestError(path, field, f"must be true or false, got {value!r}")
    return value


def _readiness(path: Path, where: str, ready, ports) -> Readiness:
    if ready is None:
        return Readiness(tcp=bool(ports))
    if not isinstance(ready, dict) or set(ready) - READY_KEYS or not ({"http", "tcp"} & set(ready)):
        raise ManifestError(path, f"{where}.ready", "must be {http: /path} or {tcp: true}, optionally with timeout: seconds")
    if not ports:
        raise ManifestError(path, f"{where}.ready", "a readiness check needs at least one port")
    timeout = ready.get("timeout", 30)
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ManifestError(path, f"{where}.ready.timeout", "must be a positive number of seconds")
    http = ready.get("http")
    if http is not None and (not isinstance(http, str) or not http.startswith("/")):
        raise ManifestError(path, f"{where}.ready.http", "must be a path starting with '/'")
    return Readiness(http=http, tcp=bool(ready.get("tcp")), timeout=float(timeout))


def _commands(path: Path, where: str, value) -> tuple[tuple[str, ...], ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(_is_str_list(cmd) and cmd for cmd in value):
        raise ManifestError(path, where, "must be a list of commands, each a list of strings")
    return tuple(tuple(cmd) for cmd in value)


def _is_str_list(value) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def _check_acyclic(manifest: StackManifest) -> None:
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = " -> ".join(trail[trail.index(name):] + [name])
            raise ManifestError(manifest.path, f"components.{name}.depends_on", f"dependency cycle: {cycle}")
        state[name] = 1
        for dep in manifest.components[name].depends_on:
            visit(dep, trail + [name])
        state[name] = 2

    for name in manifest.components:
        visit(name, [])
