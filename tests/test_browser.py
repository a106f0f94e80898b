"""Headless Chromium loads a local page, runs its scripts, and leaves a screenshot."""

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from monsuite import browser
from monsuite.errors import UserError

pytestmark = pytest.mark.skipif(browser.chromium() is None, reason="Chromium not installed (Debian package chromium; make setup installs it)")

PAGE = """<!doctype html><html><body><div id="panels"></div>
<script>setTimeout(function () {
  for (const title of ["Request Rate", "Error Rate"]) {
    const d = document.createElement("div"); d.className = "panel"; d.textContent = title;
    document.getElementById("panels").appendChild(d);
  }
}, 300);</script></body></html>"""


@pytest.fixture
def page(tmp_path):
    (tmp_path / "index.html").write_text(PAGE)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


def test_scripts_run_before_the_dom_is_read_and_a_screenshot_is_saved(page, tmp_path):
    rendered = browser.render(page, screenshot=tmp_path / "shot.png", budget_ms=2000)
    assert "Request Rate" in rendered.dom and "Error Rate" in rendered.dom
    assert rendered.screenshot is not None and rendered.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert rendered.seconds > 0


def test_only_local_pages_are_loaded():
    with pytest.raises(UserError, match="only local pages"):
        browser.render("https://example.com/")
