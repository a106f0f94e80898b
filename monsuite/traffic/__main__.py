"""Run the background traffic: python -m monsuite.traffic --target URL --control-port N."""

from __future__ import annotations

import argparse
import threading

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from monsuite.traffic.generator import Rates, TrafficGenerator


def control_app(generator: TrafficGenerator) -> Starlette:
    async def status(request: Request) -> JSONResponse:
        return JSONResponse(generator.status())

    async def update(request: Request) -> JSONResponse:
        try:
            generator.update(await request.json())
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(generator.status())

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(generator.registry), media_type=CONTENT_TYPE_LATEST)

    async def health(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(routes=[
        Route("/traffic", status, methods=["GET"]), Route("/traffic", update, methods=["PATCH"]),
        Route("/metrics", metrics, methods=["GET"]), Route("/healthz", health, methods=["GET"]),
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m monsuite.traffic", description=__doc__)
    parser.add_argument("--target", required=True, help="the demo service URL (127.0.0.1 only)")
    parser.add_argument("--control-port", type=int, required=True)
    parser.add_argument("--reads-per-second", type=float, default=10.0)
    parser.add_argument("--executions-per-second", type=float, default=10.0)
    parser.add_argument("--max-seconds", type=float, default=3 * 3600, help="stop after this long (default 3 h)")
    parser.add_argument("--max-requests", type=int, default=2_000_000)
    args = parser.parse_args(argv)
    rates = Rates(args.reads_per_second, args.executions_per_second)
    rates.validate()
    generator = TrafficGenerator(args.target, rates, max_seconds=args.max_seconds, max_requests=args.max_requests)
    threading.Thread(target=generator.run, daemon=True, name="traffic-schedule").start()
    try:
        uvicorn.run(control_app(generator), host="127.0.0.1", port=args.control_port, log_level="warning", access_log=False)
    finally:
        generator.stop()


if __name__ == "__main__":
    main()
