"""A Grafana dashboard JSON model read into panels and targets (rows, collapsed rows, old `rows`,
library panels, datasource references as a string, null, {type, uid} or a variable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from monsuite.errors import ManifestError, UserError
from monsuite.userio.inputs import read_json


@dataclass(frozen=True)
class Target:
    ref_id: str
    expr: str
    instant: bool = False
    interval: str = ""  # "Min step" of the target
    datasource: object = None


@dataclass
class Panel:
    id: object
    title: str
    type: str
    targets: list[Target] = field(default_factory=list)
    datasource: object = None
    interval: str = ""
    max_data_points: int | None = None
    library_panel: str | None = None  # uid/name of a library panel (its queries live in Grafana, not here)
    row: str = ""


@dataclass
class Dashboard:
    path: str
    uid: str
    title: str
    time_from: str
    time_to: str
    panels: list[Panel]
    variables: list[dict]
    problems: list[str] = field(default_factory=list)

    def prometheus_queries(self) -> list[tuple[Panel, Target]]:
        """Every non-empty query that goes to Prometheus (not Loki, Tempo, another panel's results ...)."""
        from monsuite.dashboards.datasources import Datasources

        sources = Datasources(self.variables)
        return [(panel, target) for panel in self.panels for target in panel.targets
                if target.expr.strip() and sources.of_query(panel.datasource, target.datasource).kind in ("prometheus", "unresolved")]


def dashboard_files(given, option: str) -> list[Path]:
    """The dashboards named by an option: each path a .json file or a folder whose *.json are taken."""
    files: list[Path] = []
    for path in map(Path, given):
        if path.is_dir():
            found = sorted(path.glob("*.json"))
            if not found:
                raise UserError(f"{option} {path}: the folder holds no dashboard (*.json)")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise UserError(f"{option} {path}: no such file or folder")
    return files


def load_dashboard(path: Path) -> Dashboard:
    data = read_json(path, "Grafana dashboard")
    if isinstance(data, dict) and isinstance(data.get("dashboard"), dict):  # the API's {"dashboard": ...} wrapper
        data = data["dashboard"]
    if not isinstance(data, dict) or not ("panels" in data or "rows" in data):
        raise ManifestError(path, "", "not a Grafana dashboard model (no panels)")
    _check_lists(path, data)
    time_range = data.get("time") or {}
    dashboard = Dashboard(str(path), str(data.get("uid") or ""), str(data.get("title") or Path(path).stem),
                          str(time_range.get("from", "now-6h")), str(time_range.get("to", "now")),
                          list(_panels(data)), list((data.get("templating") or {}).get("list") or []))
    ids = [raw.get("id") for raw in _every_raw_panel(data) if raw.get("id") is not None]  # rows count too
    duplicates = sorted({str(i) for i in ids if ids.count(i) > 1})
    if duplicates:
        dashboard.problems.append(f"panel ids used twice: {', '.join(duplicates)}")
    return dashboard


def _check_lists(path: Path, data: dict) -> None:
    """panels, rows and each panel's targets must be lists of objects, as Grafana's JSON model has them."""
    def objects(value, field: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise ManifestError(path, field, "must be a list of objects (Grafana's dashboard JSON model)")
        return value

    for key in ("panels", "rows"):
        for index, panel in enumerate(objects(data.get(key), key)):
            for inner in ("panels", "targets"):
                for child_index, child in enumerate(objects(panel.get(inner), f"{key}[{index}].{inner}")):
                    objects(child.get("targets"), f"{key}[{index}].{inner}[{child_index}].targets")
    if not data.get("panels") and not data.get("rows"):
        raise ManifestError(path, "panels", "the dashboard has no panels: nothing to check")


def _every_raw_panel(data: dict):
    for old_row in data.get("rows") or []:
        yield from old_row.get("panels") or []
    for raw in data.get("panels") or []:
        yield raw
        if raw.get("type") == "row":
            yield from raw.get("panels") or []


def _panels(data: dict):
    for old_row in data.get("rows") or []:  # dashboards from before schema 16
        for raw in old_row.get("panels") or []:
            yield _panel(raw, str(old_row.get("title", "")))
    row_title = ""
    for raw in data.get("panels") or []:
        if raw.get("type") == "row":
            row_title = str(raw.get("title", ""))
            for child in raw.get("panels") or []:  # a collapsed row keeps its panels inside
                yield _panel(child, row_title)
            continue
        yield _panel(raw, row_title)


def _panel(raw: dict, row: str) -> Panel:
    library = raw.get("libraryPanel")
    panel = Panel(raw.get("id"), str(raw.get("title", "")), str(raw.get("type", "")), datasource=raw.get("datasource"),
                  interval=str(raw.get("interval") or ""), max_data_points=raw.get("maxDataPoints"),
                  library_panel=(library.get("uid") or library.get("name")) if isinstance(library, dict) else None, row=row)
    for target in raw.get("targets") or []:
        if not isinstance(target, dict) or target.get("hide"):
            continue
        expr = target.get("expr")  # absent in other datasources' queries, which are still counted
        expr = expr if isinstance(expr, str) else ""
        panel.targets.append(Target(str(target.get("refId", "")), expr, bool(target.get("instant")) and not target.get("range"),
                                    str(target.get("interval") or ""), target.get("datasource")))
    return panel
