"""Template variables as Grafana expands them for a direct Prometheus query: query variables
(label_values, label_names, metrics, query_result) resolved against Prometheus, custom, constant,
interval (with its auto option: $__auto, $__auto_interval_NAME) and datasource variables, and the
built-ins $__interval, $__rate_interval, $__range, $__from/$__to (with their :date formats) and
$__dashboard."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import requests

from monsuite.clients.access import session_for
from monsuite.timescale import parse_ms

NICE_STEPS_MS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 20000, 30000, 60000, 120000, 300000,
                 600000, 900000, 1200000, 1800000, 3600000, 7200000, 18000000, 36000000, 43200000, 86400000]
REFERENCE = re.compile(r"\$\{(\w+)(?::([\w:-]+))?\}|\[\[(\w+)(?::(\w+))?\]\]|\$(\w+)")
AUTO_STEP_COUNT, AUTO_MIN_MS = 30, 10000  # an interval variable's auto option when the dashboard sets none


def round_interval(ms: float) -> int:
    """Grafana's gtime.RoundInterval: snap to the nearest 'nice' interval (midpoint rule)."""
    for lower, upper in zip(NICE_STEPS_MS, NICE_STEPS_MS[1:]):
        if ms <= (lower + upper) / 2:
            return lower
    return NICE_STEPS_MS[-1]


def grafana_duration(ms: int) -> str:
    for unit, size in (("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000)):
        if ms % size == 0 and ms >= size:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def interval_ms(range_ms: int, max_data_points: int, min_interval_ms: int) -> int:
    raw = max(range_ms / max_data_points, range_ms / 11000)
    return max(round_interval(raw), min_interval_ms)


def rate_interval_ms(interval: int, scrape_ms: int) -> int:
    return max(interval + scrape_ms, 4 * scrape_ms)


def auto_interval_ms(range_ms: int, step_count: int = AUTO_STEP_COUNT, min_ms: int = AUTO_MIN_MS) -> int:
    """An interval variable's auto value: the range divided into step_count, snapped, at least min_ms."""
    return max(round_interval(range_ms / max(step_count, 1)), min_ms)


def expand(text: str, values: dict[str, list[str] | str]) -> str:
    """Replace $v, ${v}, ${v:fmt}, [[v]]; a multi-value becomes (a|b) regex-escaped, as Grafana does."""
    def replace(match):
        name = match.group(1) or match.group(3) or match.group(5)
        if name not in values:
            return match.group(0)
        if name in ("__from", "__to") and (match.group(2) or "").startswith("date"):
            return _date(int(values[name]), match.group(2))
        value = values[name]
        if isinstance(value, list):
            return value[0] if len(value) == 1 else "(" + "|".join(re.escape(v) for v in value) + ")"
        return value

    return REFERENCE.sub(replace, text)


def _date(epoch_ms: int, fmt: str) -> str:
    if fmt == "date:seconds":
        return str(epoch_ms // 1000)
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class VariableResolver:
    def __init__(self, prometheus_url: str, start: float, end: float, session: requests.Session | None = None):
        self.url = prometheus_url.rstrip("/")
        self.start, self.end = start, end
        self.session = session or session_for(self.url)

    def resolve(self, variables: list[dict], builtins: dict[str, str]) -> tuple[dict, list[str]]:
        values: dict = dict(builtins)
        notes: list[str] = []
        for variable in variables:
            name, kind = variable.get("name"), variable.get("type")
            if not name:
                continue
            if kind == "interval":
                values[name] = values[f"__auto_interval_{name}"] = self._interval(variable, values)
                continue
            try:
                found = self._values(variable, kind, values)
            except (requests.RequestException, ValueError, KeyError) as exc:
                notes.append(f"variable {name}: {exc}")
                found = []
            if variable.get("includeAll") and (variable.get("allValue") or len(found) != 1):
                values[name] = variable.get("allValue") or (found if found else [".*"])
            elif variable.get("multi") and found:
                values[name] = found
            else:
                values[name] = found[0] if found else ""
                if not found and kind == "query":
                    notes.append(f"variable {name}: the query returned no values")
        return values, notes

    def _values(self, variable: dict, kind: str, values: dict) -> list[str]:
        if kind in ("datasource",):
            return [str(variable.get("query") or "prometheus")]
        if kind == "constant":
            return [str(variable.get("query", ""))]
        if kind == "interval":
            return [self._interval(variable, values)]
        if kind == "custom":
            return [v.strip() for v in str(variable.get("query", "")).split(",") if v.strip()]
        if kind == "textbox":
            return [str(variable.get("query", ""))]
        if kind != "query":
            return []
        query = variable.get("query")
        if isinstance(query, dict):
            query = query.get("query", "")
        found = self._query_values(expand(str(query or ""), values))
        if variable.get("regex"):
            pattern = re.compile(str(variable["regex"]).strip("/"))
            found = [m.group(1) if m.groups() else v for v in found if (m := pattern.search(v))]
        return sorted(set(found))

    def _interval(self, variable: dict, values: dict) -> str:
        """The saved current option, as Grafana opens the dashboard with it; auto is computed."""
        options = [v.strip() for v in str(variable.get("query", "")).split(",") if v.strip()]
        current = variable.get("current") or {}
        chosen = current.get("value") if isinstance(current, dict) else None
        if isinstance(chosen, list):
            chosen = chosen[0] if chosen else None
        chosen = str(chosen) if chosen else (options[0] if options else "")
        if chosen in ("auto", "$__auto") or chosen.startswith("$__auto_interval"):
            minimum = str(variable.get("auto_min") or "")
            count = int(variable.get("auto_count") or AUTO_STEP_COUNT)
            return grafana_duration(auto_interval_ms(int(values["__range_ms"]), count,
                                                     parse_ms(minimum) if minimum else AUTO_MIN_MS))
        return chosen

    def _query_values(self, query: str) -> list[str]:
        query = query.strip()
        if match := re.fullmatch(r"label_values\(\s*(?:(.+?)\s*,\s*)?(\w+)\s*\)", query):
            selector, label = match.groups()
            params = {"start": self.start, "end": self.end}
            if selector:
                params["match[]"] = selector
            return self._get(f"/api/v1/label/{label}/values", params)
        if match := re.fullmatch(r"label_names\(\s*(.*?)\s*\)", query):
            params = {"start": self.start, "end": self.end, **({"match[]": match.group(1)} if match.group(1) else {})}
            return self._get("/api/v1/labels", params)
        if match := re.fullmatch(r"metrics\(\s*(.*?)\s*\)", query):
            names = self._get("/api/v1/label/__name__/values", {"start": self.start, "end": self.end})
            return [n for n in names if re.search(match.group(1) or ".*", n)]
        if match := re.fullmatch(r"query_result\(\s*(.+)\s*\)", query):
            result = self._get("/api/v1/query", {"query": match.group(1), "time": self.end})
            return [str(r["metric"]) for r in result.get("result", [])]
        raise ValueError(f"unsupported variable query {query!r}")

    def _get(self, path: str, params: dict):
        response = self.session.get(f"{self.url}{path}", params=params, timeout=10)
        body = response.json()
        if body.get("status") != "success":
            raise ValueError(f"{path}: {body.get('error')}")
        return body["data"]


def builtins(range_ms: int, interval: int, rate_interval: int, start: float, end: float,
             dashboard: str = "") -> dict[str, str]:
    return {
        "__auto": grafana_duration(auto_interval_ms(range_ms)), "__dashboard": dashboard,
        "__interval": grafana_duration(interval), "__interval_ms": str(interval),
        "__rate_interval": grafana_duration(rate_interval), "__rate_interval_ms": str(rate_interval),
        "__range": f"{range_ms // 1000}s", "__range_s": str(range_ms // 1000), "__range_ms": str(range_ms),
        "__from": str(int(start * 1000)), "__to": str(int(end * 1000)),
    }


def parse_relative(text: str, now: float) -> float:
    """'now', 'now-15m', an epoch in ms; anything else (now/d ...) is read as now."""
    text = text.strip()
    if text.isdigit():
        return int(text) / 1000
    if text.startswith("now-"):
        try:
            return now - parse_ms(text[4:].split("/")[0]) / 1000
        except ValueError:
            return now - 3600
    return now


def min_interval_ms(panel_interval: str, target_interval: str, scrape_ms: int) -> int:
    for candidate in (target_interval, panel_interval):
        candidate = candidate.lstrip(">")
        if candidate and not candidate.startswith("$"):
            try:
                return parse_ms(candidate)
            except ValueError:
                continue
    return scrape_ms
