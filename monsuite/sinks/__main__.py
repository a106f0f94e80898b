"""Run the notification sinks: python -m monsuite.sinks --http-port N --smtp-port M."""

from __future__ import annotations

import argparse

import uvicorn

from monsuite.sinks.failures import FailureInjector
from monsuite.sinks.http import create_app
from monsuite.sinks.smtp import start_smtp
from monsuite.sinks.store import DeliveryStore


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m monsuite.sinks", description=__doc__)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--smtp-port", type=int, required=True)
    args = parser.parse_args(argv)
    store = DeliveryStore()
    failures = FailureInjector()
    smtp = start_smtp(store, failures, args.smtp_port)
    try:
        uvicorn.run(create_app(store, failures), host="127.0.0.1", port=args.http_port, log_level="warning", access_log=False)
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
