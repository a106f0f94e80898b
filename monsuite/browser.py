"""Headless Chromium (Debian's package) to load a page as a person would: the DOM once the page's
scripts have run, the wall time it took, and a screenshot. Only local pages are ever loaded."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from monsuite.errors import UserError

BINARIES = ("chromium", "chromium-browser", "google-chrome")
# Without the background-networking flags Chromium keeps trying to reach Google's hosts.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars")


@dataclass
class Rendered:
    url: str
    dom: str
    seconds: float
    screenshot: Path | None


def chromium() -> str | None:
    for name in BINARIES:
        found = shutil.which(name)
        if found:
            return found
    return None


def render(url: str, *, screenshot: Path | None = None, budget_ms: int = 10000, size: tuple[int, int] = (1600, 1000),
           timeout: float = 60) -> Rendered:
    """Load ``url``, let its scripts run for up to ``budget_ms`` of virtual time, return the DOM (and a screenshot)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("file", "http", "https") or (parsed.scheme != "file" and parsed.hostname != "127.0.0.1"):
        raise UserError(f"{url}: only local pages (file:// or 127.0.0.1) are loaded")
    binary = chromium()
    if binary is None:
        raise UserError("Chromium not found; install the Debian package chromium")
    profile = tempfile.mkdtemp(prefix="monsuite-chromium-")
    try:
        base = [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}",
                f"--virtual-time-budget={budget_ms}"]
        started = time.perf_counter()
        dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=timeout).stdout
        seconds = time.perf_counter() - started
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([*base, f"--screenshot={screenshot}", url], capture_output=True, timeout=timeout)
        return Rendered(url, dom, seconds, screenshot if screenshot and screenshot.exists() else None)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
