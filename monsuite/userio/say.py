"""Where an error becomes the printed line: one line, prefixed, secrets redacted."""

from __future__ import annotations

import sys

from monsuite.userio.origins import name_origins
from monsuite.userio.redact import redact

PREFIX = "monsuite: error: "


def error_line(message: object) -> str:
    text = " ".join(str(message).split())  # one line, whatever the message held
    return redact(name_origins(text))


def print_error(message: object, stream=None) -> None:
    print(PREFIX + error_line(message), file=stream or sys.stderr, flush=True)
