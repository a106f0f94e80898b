"""The argument parser of every command: a bad flag is one line naming the flag (secrets redacted) and
the command's --help, then exit status 2."""

from __future__ import annotations

import argparse
import sys

from monsuite.userio.say import print_error


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):
        print_error(f"{message} (see `{self.prog} --help`)")
        self.exit(2)

    def exit(self, status: int = 0, message: str | None = None):
        if message:
            print_error(message.removeprefix(f"{self.prog}: error: "))
        sys.exit(status)
