"""One set of run options (stack, runtime, profile, URLs, state file, report directory),
built the same way by the command line and by the pytest plugin, and handed to Stack."""

from __future__ import annotations

from dataclasses import dataclass, field

from monsuite.userio.urls import check_url
from monsuite.errors import UserError
from monsuite.manifest import EXTERNAL_KINDS

MAX_SHARDS = 4  # stacks one alert campaign may spread over


@dataclass(frozen=True)
class RunOptions:
    stack: str = "default"  # a stack directory or a shipped stack's name
    runtime: str = "auto"
    profile: str = "ci"
    urls: dict = field(default_factory=dict)  # kind -> URL of an existing component
    state_file: str | None = None  # where `stack up` records what it started
    report_dir: str | None = None  # where a run leaves its artifacts
    dashboards: tuple[str, ...] = ()  # further dashboards (files or folders) the dashboards suite checks
    release: str | None = None  # Prometheus/Alertmanager: "debian" or "current" (built); None: as this process has it
    campaign_shards: int = 1  # stacks an alert campaign spreads its scenarios over (alerts/shards.py)

    @property
    def further_dashboards(self) -> list:
        from monsuite.dashboards.model import dashboard_files

        return dashboard_files(self.dashboards, "--dashboards")

    def __post_init__(self):
        for kind, url in self.urls.items():  # checked before anything starts or waits
            check_url(url, f"--{kind}-url")
        if self.runtime == "external" and "prometheus" not in self.urls:
            raise UserError("--runtime external points at an existing stack: give at least --prometheus-url "
                            "(and --alertmanager-url, --grafana-url ... for what it has)")
        self.further_dashboards  # noqa: B018 - a missing file or an empty folder is refused before anything starts
        from monsuite.components import release

        if self.release:
            release.apply(self.release)  # PATH: the stack's processes and promtool/amtool checks use one release


    def check_reachable(self) -> None:
        """Every URL given answers a connection: a refused one is said at once, before anything starts."""
        from monsuite.clients.http import check_reachable

        for kind, url in self.urls.items():
            check_reachable(url, f"--{kind}-url")

    @classmethod
    def from_args(cls, args) -> "RunOptions":
        """From the command line's parsed arguments (options a command does not have keep their defaults)."""
        return cls(stack=getattr(args, "stack", cls.stack), runtime=getattr(args, "runtime", cls.runtime),
                   profile=getattr(args, "profile", cls.profile), urls=_urls(lambda kind: getattr(args, f"{kind}_url", None)),
                   state_file=getattr(args, "state_file", None), report_dir=getattr(args, "out", None),
                   release=getattr(args, "release", None), campaign_shards=getattr(args, "shards", 1))

    @classmethod
    def from_pytest(cls, config) -> "RunOptions":
        return cls(stack=config.getoption("--stack"), runtime=config.getoption("monsuite_runtime"),
                   profile=config.getoption("--profile"), urls=_urls(lambda kind: config.getoption(f"--{kind}-url")),
                   report_dir=config.getoption("--report-dir"), dashboards=tuple(config.getoption("--dashboards") or ()),
                   release=config.getoption("--release"),
                   campaign_shards=int(config.getoption("--campaign-shards")))


def _urls(get) -> dict:
    return {kind: url for kind in EXTERNAL_KINDS if (url := get(kind))}
