"""The alert campaign's report: JSON for machines and a table for people."""

from __future__ import annotations

import json
from pathlib import Path

from monsuite.alerts.campaign import Campaign, coverage
from monsuite.userio.outputs import write_atomic

COLUMNS = (
    ("fault_to_visible", "vis"), ("fault_to_active", "active"), ("active_to_firing", "firing"),
    ("firing_to_alertmanager", "->AM"), ("alertmanager_to_delivered", "AM->sink"), ("fault_to_delivered", "total"),
    ("cleared_to_resolved_delivered", "resolved"),
)


def campaign_body(campaign: Campaign) -> dict:
    """``campaign``: a Campaign, or a ShardedCampaign (which adds its shards and their stacks' start)."""
    body = {
        "stack": campaign.stack.manifest.name,
        "profile": campaign.stack.profile_values,
        "seconds": round(campaign.seconds, 2),
        "floor_seconds": round(campaign.floor_seconds, 2),
        "coverage": coverage(campaign.results, campaign.rules),
        "allowances": campaign.allowances.to_dict(),
        "phases": campaign.phases,
        "scenarios": [r.to_dict() for r in campaign.results.values()],
    }
    if hasattr(campaign, "shard_summary"):
        body["shards"] = campaign.shard_summary()
        body["shards_start_seconds"] = round(campaign.start_seconds, 2)
    return body


def write_json(campaign: Campaign, path: Path) -> dict:
    body = campaign_body(campaign)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(body, indent=2, default=str))
    return body


def table_lines(campaign: Campaign) -> list[str]:
    cov = coverage(campaign.results, campaign.rules)
    lines = [
        f"alert coverage: {cov['alerts_exercised']}/{cov['alerts_defined']} alert rules have a passing live scenario "
        f"({cov['ratio']:.0%}); campaign {campaign.seconds:.1f}s (floor {campaign.floor_seconds:.1f}s: each phase's longest "
        f"scenario at best), time scale {campaign.stack.profile_values.get('time_scale', 1)}",
    ]
    if hasattr(campaign, "shard_summary"):
        lines.append(f"  over {len(campaign.campaigns)} stacks (the further ones started in {campaign.start_seconds:.1f}s "
                     "before the campaign's clock started)")
    if cov["without_passing_scenario"]:
        lines.append("  without a passing scenario: " + ", ".join(cov["without_passing_scenario"]))
    lines.append(f"  allowances: {campaign.allowances.why}")
    width = max([24, *(len(name) + 2 for name in campaign.results)])  # a long name never runs into the next column
    header = f"  {'scenario':<{width}}{'result':<8}" + "".join(f"{title:>9}" for _, title in COLUMNS) + f"{'worst':>9}  (ms)"
    lines.append(header)
    for result in campaign.results.values():
        stages = result.stage_ms()
        cells = "".join(f"{_cell(stages.get(key)):>9}" for key, _ in COLUMNS)
        worst = result.floors.worst_total_ms + result.allowance_ms.get("total", 0) if result.floors else None
        lines.append(f"  {result.scenario:<{width}}{result.status:<8}{cells}{_cell(worst):>9}")
    return lines


def _cell(value) -> str:
    return "-" if value is None else f"{value:.0f}"
