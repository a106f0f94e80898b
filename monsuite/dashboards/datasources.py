"""Which datasource a panel query goes to, as Grafana decides it, and whether that is Prometheus.

A reference is a name or uid string (old dashboards), null (the default datasource), {type, uid}, or a
datasource variable ($ds, ${ds}) whose `query` names the plugin type it selects. Grafana's special
sources: "-- Mixed --" (each query names its own), "-- Dashboard --" (reuses another panel's results) and
"-- Grafana --" (built-in test data).
"""

from __future__ import annotations

from dataclasses import dataclass

PROMETHEUS = "prometheus"
MIXED, DASHBOARD, GRAFANA = "-- Mixed --", "-- Dashboard --", "-- Grafana --"
PROMETHEUS_NAMES = {None, "", "prometheus", "Prometheus", "-- Default --", "default"}
SPECIAL_TYPES = {MIXED: "mixed", DASHBOARD: "dashboard", GRAFANA: "grafana", "grafana": "grafana"}


@dataclass(frozen=True)
class Source:
    kind: str  # "prometheus", "mixed", "dashboard", another plugin type ("loki", "tempo", ...) or "unresolved"
    reference: str  # as written, for messages

    @property
    def is_prometheus(self) -> bool:
        return self.kind == PROMETHEUS


class Datasources:
    def __init__(self, variables: list[dict], known_uids: set[str] | None = None):
        self.variable_types = {v["name"]: str(v.get("query") or PROMETHEUS).lower()
                               for v in variables if v.get("type") == "datasource" and v.get("name")}
        self.known_uids = set(known_uids or ())

    def of(self, reference) -> Source:
        if isinstance(reference, dict):
            uid, plugin = reference.get("uid"), reference.get("type")
            written = str(uid if uid is not None else plugin)
            if uid in SPECIAL_TYPES:
                return Source(SPECIAL_TYPES[uid], written)
            if plugin not in (None, "datasource"):
                return Source(str(plugin).lower(), written)
            return self._by_name(uid, written)
        return self._by_name(reference, str(reference))

    def _by_name(self, name, written: str) -> Source:
        if name in SPECIAL_TYPES:
            return Source(SPECIAL_TYPES[name], written)
        variable = _variable_name(name)
        if variable is not None:
            return Source(self.variable_types.get(variable, "unresolved"), written)
        if name in PROMETHEUS_NAMES or name in self.known_uids:
            return Source(PROMETHEUS, written)
        return Source("unresolved", written)

    def of_query(self, panel_reference, target_reference) -> Source:
        """A query's own datasource wins; a query of a Mixed panel that names none goes to the default."""
        source = self.of(target_reference if target_reference is not None else panel_reference)
        return self.of(None) if source.kind == "mixed" else source


def _variable_name(name) -> str | None:
    if not isinstance(name, str):
        return None
    if name.startswith("${") and name.endswith("}"):
        return name[2:-1].split(":")[0]
    if name.startswith("$"):
        return name[1:]
    return None
