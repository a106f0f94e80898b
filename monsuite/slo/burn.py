"""The multi-window, multi-burn-rate alert windows of the SRE Workbook (chapter 5), for any SLO period.

A window pair alerts when the burn rate over both its long and its short window exceeds its factor.
The factor is the budget fraction the pair guards against spending within the long window:
factor = budget_fraction * period / long_window. For a 30-day period this gives the Workbook's
14.4 (2 % in 1 h), 6 (5 % in 6 h), 3 (10 % in 1 d) and 1 (10 % in 3 d).
"""

from __future__ import annotations

from dataclasses import dataclass

from monsuite.timescale import parse_ms


@dataclass(frozen=True)
class WindowPair:
    severity: str  # "page" or "ticket"
    long: str
    short: str
    budget_fraction: float

    def factor(self, period_ms: int) -> float:
        return round(self.budget_fraction * period_ms / parse_ms(self.long), 6)


PAIRS = (
    WindowPair("page", "1h", "5m", 0.02),
    WindowPair("page", "6h", "30m", 0.05),
    WindowPair("ticket", "1d", "2h", 0.10),
    WindowPair("ticket", "3d", "6h", 0.10),
)

SLI_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")

