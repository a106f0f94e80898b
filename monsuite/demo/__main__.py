"""Run the demo service: python -m monsuite.demo --port N [--redis-url URL] [--database-url URL]."""

from __future__ import annotations

import argparse

import uvicorn

from monsuite.demo.app import DemoService


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m monsuite.demo", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers-simulated", type=int, default=3, help="worker scrape endpoints to serve")
    parser.add_argument("--redis-url")
    parser.add_argument("--database-url")
    parser.add_argument("--memory-limit-bytes", type=int, default=512 * 1024 * 1024)
    parser.add_argument("--environment", default="ci")
    parser.add_argument("--no-access-log", action="store_true", help="do not write a JSON line per request")
    parser.add_argument("--otlp-endpoint", help="export traces over OTLP/HTTP here, e.g. http://127.0.0.1:4318/v1/traces")
    parser.add_argument("--trace-sampling", type=float, default=1.0, help="ratio of traces kept (default 1.0)")
    args = parser.parse_args(argv)
    service = DemoService(workers=args.workers_simulated, redis_url=args.redis_url, database_url=args.database_url,
                          memory_limit_bytes=args.memory_limit_bytes, environment=args.environment,
                          access_log=not args.no_access_log, otlp_endpoint=args.otlp_endpoint,
                          trace_sampling=args.trace_sampling)
    uvicorn.run(service, host=args.host, port=args.port, log_level="warning", access_log=False, lifespan="on")


if __name__ == "__main__":
    main()
