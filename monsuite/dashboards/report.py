"""A dashboard check, written for people."""

from __future__ import annotations

from monsuite.dashboards.runner import DashboardResult


def result_lines(result: DashboardResult, verbose: bool = False) -> list[str]:
    runnable = [p for p in result.panels if p.runnable]
    with_data = [p for p in runnable if p.has_data]
    verdict = "OK" if result.ok else "FAIL"
    lines = [f"{verdict:<5}{result.title} ({result.path}): {len(with_data)}/{len(runnable)} panels with data, "
             f"loaded in {result.load_seconds * 1000:.0f} ms (target {result.target_seconds * 1000:.0f} ms)"]
    lines += [f"     problem: {p}" for p in result.problems]
    for panel in result.panels:
        if not panel.runnable:
            if verbose and panel.note:
                lines.append(f"     -    panel {panel.id} {panel.title!r}: {panel.note}")
            continue
        if panel.has_data and not verbose:
            continue
        mark = "data" if panel.has_data else "NONE"
        series = sum(q.series for q in panel.queries)
        lines.append(f"     {mark:<5}panel {panel.id} {panel.title!r} [{panel.row}]: {series} series, {panel.seconds * 1000:.0f} ms")
        if not panel.has_data:
            for query in panel.queries:
                lines.append(f"          {query.ref_id}: {query.expr}" + (f"  ERROR {query.error}" if query.error else "  (no samples)"))
    return lines
