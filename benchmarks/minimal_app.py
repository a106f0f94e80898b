"""The yardstick for the demo service's speed: a minimal Starlette app serving the same business
endpoint with the same prometheus_client instrumentation (request counter, latency histogram with
the same buckets, in-progress gauge), run by uvicorn as the demo is.

    python benchmarks/minimal_app.py PORT
"""

from __future__ import annotations

import sys
import time

import uvicorn
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
AUTOMATIONS = ("sync-crm", "nightly-report", "invoice-run", "lead-scoring")

registry = CollectorRegistry()
requests_total = Counter("http_requests", "HTTP requests handled", ["method", "endpoint", "status"], registry=registry)
duration = Histogram("http_request_duration_seconds", "HTTP request duration", ["method", "endpoint"],
                     buckets=LATENCY_BUCKETS, registry=registry)
in_progress = Gauge("http_requests_in_progress", "HTTP requests being handled", registry=registry)


async def automations(request):
    return JSONResponse({"automations": [{"id": a} for a in AUTOMATIONS]})


app = Starlette(routes=[Route("/api/v1/automations", automations, methods=["GET"])])


async def instrumented(scope, receive, send):
    if scope["type"] != "http":
        await app(scope, receive, send)
        return
    status = {"code": 500}

    async def send_wrapper(message):
        if message["type"] == "http.response.start":
            status["code"] = message["status"]
        await send(message)

    start = time.perf_counter()
    in_progress.inc()
    try:
        await app(scope, receive, send_wrapper)
    finally:
        in_progress.dec()
        endpoint = getattr(scope.get("route"), "path", None) or "unmatched"
        requests_total.labels(scope["method"], endpoint, str(status["code"])).inc()
        duration.labels(scope["method"], endpoint).observe(time.perf_counter() - start)


if __name__ == "__main__":
    uvicorn.run(instrumented, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False,
                lifespan="off")
