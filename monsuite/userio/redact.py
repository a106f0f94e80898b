"""Secrets never printed: URL userinfo, and the value of anything called a password, token or key."""

from __future__ import annotations

import re

from monsuite.userio.origins import name_origins

# scheme://user:password@host -> scheme://***@host (the user name can be a token too)
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s'\"]+@")
_NAMED = re.compile(r"(?P<name>\b[\w-]*(?:password|passwd|token|secret|api[_-]?key|authorization)[\w-]*"
                    r"(?:['\"]?\s*[:=]\s*['\"]?|\s+(?=Bearer\b|Basic\b)))(?P<value>(?:(?:Bearer|Basic)\s+)?[^\s'\",&]+)",
                    re.IGNORECASE)
MASK = "***"


def redact(text: str) -> str:
    if "@" in text:
        text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    return _NAMED.sub(lambda m: f"{m['name']}{MASK}", text)


class RedactingStream:
    """A text stream that redacts what is written through it, and names the origin of files monsuite wrote
    from the user's (monsuite.userio.origins); everything else is the wrapped stream's."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(name_origins(text)))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)
