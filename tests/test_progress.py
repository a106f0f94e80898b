"""Campaign progress: one line per finished scenario in logs; a live table on a terminal."""

from __future__ import annotations

import io

from monsuite.alerts.progress import AWAITING_FIRING, LineProgress, LiveProgress, progress_for


def test_logs_get_one_line_per_finished_scenario_with_the_count_and_whats_running():
    stream = io.StringIO()
    progress = LineProgress(stream)
    progress.begin(["a", "b", "c"])
    progress.stage("a", AWAITING_FIRING)
    progress.stage("b", AWAITING_FIRING)
    progress.finished("a", "done", 5.25)
    progress.end()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("campaign [1/3] a done in 5.2s") and "running: b" in lines[0]


def test_a_terminal_gets_a_table_that_names_each_running_scenarios_stage():
    progress = LiveProgress(io.StringIO())
    progress.begin(["a", "b"])
    progress.stage("b", AWAITING_FIRING)
    table = progress._table()
    progress.end()
    assert "1 running, 1 left" in str(table.title)
    assert list(table.columns[0].cells) == ["b"] and list(table.columns[1].cells) == [AWAITING_FIRING]


def test_the_kind_follows_the_stream():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert isinstance(progress_for(io.StringIO()), LineProgress)
    assert isinstance(progress_for(Terminal()), LiveProgress)
