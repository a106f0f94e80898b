"""Run the log shipper: python -m monsuite.logship --file PATH --push-url URL --port N [--label k=v ...]."""

from __future__ import annotations

import argparse
import threading

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from monsuite.logship.shipper import Shipper


def app(shipper: Shipper) -> Starlette:
    async def metrics(request: Request) -> Response:
        return Response(generate_latest(shipper.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def health(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/metrics", metrics, methods=["GET"]), Route("/healthz", health, methods=["GET"])])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m monsuite.logship", description=__doc__)
    parser.add_argument("--file", required=True, help="the JSON log file to follow")
    parser.add_argument("--push-url", required=True, help="Loki's push endpoint, e.g. http://127.0.0.1:3100/loki/api/v1/push")
    parser.add_argument("--port", type=int, required=True, help="serves /metrics and /healthz")
    parser.add_argument("--label", action="append", default=[], metavar="NAME=VALUE", help="a label on every line")
    parser.add_argument("--from-start", action="store_true", help="ship what the file already holds too")
    args = parser.parse_args(argv)
    labels = dict(item.split("=", 1) for item in args.label)
    shipper = Shipper(args.file, args.push_url, labels, from_start=args.from_start)
    threading.Thread(target=shipper.follow, daemon=True, name="logship-follow").start()
    threading.Thread(target=shipper.push_forever, daemon=True, name="logship-push").start()
    try:
        uvicorn.run(app(shipper), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    finally:
        shipper.stop()
        shipper.push_once()  # what is still buffered, once


if __name__ == "__main__":
    main()
