"""A URL as the user gives it: checked before anything waits on it."""

from __future__ import annotations

from urllib.parse import urlsplit

from monsuite.errors import UserError
from monsuite.userio.redact import redact


def check_url(url: str, what: str) -> str:
    """The URL without a trailing slash, or a UserError saying what is wrong with it (before any wait)."""
    shown = redact(str(url or ""))
    try:
        parts = urlsplit(str(url or ""))
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise UserError(f"{what}: {shown!r} is not a URL (bad host or port); give one such as http://127.0.0.1:9090") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"{what}: {shown!r} is not a URL; give one such as http://127.0.0.1:9090")
    return str(url).rstrip("/")
