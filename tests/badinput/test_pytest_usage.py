"""The same mistakes made through pytest are one usage error of the whole run (exit 4), named once,
before anything starts: not a failure per test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SUITE = str(Path(__file__).resolve().parents[2] / "suites" / "test_health.py")


@pytest.mark.parametrize("options, named", [
    (["--stack", "{tmp}/nowhere"], "nowhere"),
    (["--stack", "{tmp}/broken"], "stack.yaml"),
    (["--runtime", "external", "--prometheus-url", "garbage"], "garbage"),
    (["--runtime", "external"], "--prometheus-url"),
], ids=["stack-missing", "stack-broken", "url-garbage", "external-without-url"])
def test_a_bad_option_is_one_usage_error(options, named, tmp_path):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "stack.yaml").write_text("name: broken\ncomponents: [\n")
    argv = [o.replace("{tmp}", str(tmp_path)) for o in options]
    done = subprocess.run([sys.executable, "-m", "pytest", SUITE, "-q", "-p", "no:cacheprovider", *argv],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    errors = [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("ERROR: monsuite:")]
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    assert len(errors) == 1 and named in errors[0], errors
