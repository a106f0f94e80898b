"""The pinned releases monsuite builds from the Go module proxy, and what each needs beyond `go build`.

Each recipe names a module and version, the commands (packages) to build and the name each binary gets,
and the files a module needs at build time that its published zip lacks (a web UI's compiled assets are
not in the module: an empty placeholder lets `go:embed` compile; the HTTP API does not use them).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Recipe:
    name: str
    module: str
    version: str
    release: str  # the release people know it by (Prometheus 3.16.0 is module v0.316.0)
    commands: dict[str, str]  # binary name -> package path inside the module
    placeholders: tuple[str, ...] = ()  # files created in the module copy before building

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"


@dataclass(frozen=True)
class Unbuildable:
    """A component monsuite does not build here, and exactly why."""
    name: str
    module: str
    reason: str
    provide: str = field(default="")


RECIPES = {
    recipe.name: recipe for recipe in (
        Recipe("prometheus", "github.com/prometheus/prometheus", "v0.316.0", "Prometheus 3.16.0",
               {"prometheus": "./cmd/prometheus", "promtool": "./cmd/promtool"}),
        Recipe("alertmanager", "github.com/prometheus/alertmanager", "v0.35.0", "Alertmanager 0.35.0",
               {"alertmanager": "./cmd/alertmanager", "amtool": "./cmd/amtool"},
               placeholders=("ui/app/dist/elm/index.html", "ui/app/dist/mantine/index.html")),
        Recipe("jaeger", "github.com/jaegertracing/jaeger", "v1.75.0", "Jaeger 2 (module v1.75.0, cmd/jaeger)",
               {"jaeger": "./cmd/jaeger"}),
        Recipe("sloth", "github.com/slok/sloth", "v0.16.0", "Sloth 0.16.0", {"sloth": "./cmd/sloth"}),
    )
}

# Modules monsuite does not build: their licence (AGPL-3.0) is one monsuite does not take on. Their checks
# run live against an instance the user provides (a URL, or the official image where a registry is reachable).
UNBUILDABLE = {
    "grafana": Unbuildable("grafana", "github.com/grafana/grafana",
                           "not built by monsuite: the module is AGPL-3.0",
                           "run Grafana yourself and pass --grafana-url, or use the image grafana/grafana with a registry"),
    "loki": Unbuildable("loki", "github.com/grafana/loki/v3",
                        "not built by monsuite: the module is AGPL-3.0",
                        "run Loki yourself and pass --loki-url, or use the image grafana/loki with a registry"),
}
