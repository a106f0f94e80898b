"""Time to a clear error when a URL refuses connections: every command and pytest option that takes a URL
(from the bad-input matrix, so a new one is measured too), run as a user runs it (a new process), with a
URL where nothing listens. Also the time the bad-input matrix takes in-process, and its size.

    python benchmarks/refused_connection.py [--runs 3] [--out FILE]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.results_file import add_out_option, write_result  # noqa: E402
from tests.badinput import matrix  # noqa: E402


def timed(argv: list[str], cwd: Path) -> tuple[float, int, str]:
    began = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=cwd)
    lines = [line for line in (done.stderr + done.stdout).splitlines() if "error" in line.lower()]
    return time.monotonic() - began, done.returncode, lines[0] if lines else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    add_out_option(parser, "refused_connection")
    args = parser.parse_args()
    refused = [(case, p) for case, p in matrix.command_cases() if case.mistake == "unreachable"]
    pytest_refused = [case for case in matrix.pytest_cases() if case.mistake == "unreachable"]
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        matrix.prepare(tmp)
        (tmp / "work").mkdir()
        for case, command_parser in refused:
            argv = [sys.executable, "-m", "monsuite",
                    *[matrix.fill(a, tmp) for a in matrix.argv_for(case.command, command_parser, case)]]
            rows.append(("monsuite " + " ".join(case.command), case.argument, argv))
        suite = str(REPO / "suites" / "test_health.py")
        for case in pytest_refused:
            rows.append(("pytest", case.argument, [sys.executable, "-m", "pytest", suite, "-q", "-p", "no:cacheprovider",
                                                   case.argument, case.value]))
        results = []
        for command, argument, argv in rows:
            runs = [timed(argv, tmp / "work") for _ in range(args.runs)]
            seconds = [r[0] for r in runs]
            results.append({"command": command, "argument": argument, "exit": runs[0][1], "line": runs[0][2],
                            "median_s": round(statistics.median(seconds), 3), "max_s": round(max(seconds), 3)})
            print(f"{command + ' ' + argument:<46} exit {runs[0][1]}  median {statistics.median(seconds):5.2f}s  "
                  f"max {max(seconds):5.2f}s  {runs[0][2][:90]}")
    worst = max(r["max_s"] for r in results)
    print(f"{len(results)} commands and options: the slowest clear error on a refused connection took {worst:.2f}s "
          "(a new Python process each, imports included)")
    return write_result({"runs": args.runs, "results": results, "worst_s": worst,
                         "matrix_cases": len(matrix.command_cases()) + len(matrix.pytest_cases())}, args.out)


if __name__ == "__main__":
    sys.exit(main())
