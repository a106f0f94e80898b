"""The demo service's HTTP application (Starlette)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import secrets
import time
from collections import OrderedDict
from datetime import datetime, timezone

from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from monsuite.demo.burners import ConnectionHolder, CpuBurner
from monsuite.demo.dependencies import Dependencies
from monsuite.demo.faults import DEPENDENCIES, FaultError, FaultState
from monsuite.demo.logs import JsonLogger
from monsuite.demo.metrics import ServiceMetrics
from monsuite.demo.tracing import Tracing, caller_trace_id

VERSION = "1.0.0"
TENANTS = ("acme", "globex", "initech", "umbrella")
AUTOMATIONS = ("sync-crm", "nightly-report", "invoice-run", "lead-scoring")
UNINSTRUMENTED = ("/metrics", "/faults", "/workers/", "/tracing")


class DemoService:
    def __init__(self, *, workers: int = 3, redis_url: str | None = None, database_url: str | None = None,
                 memory_limit_bytes: int = 512 * 1024 * 1024, environment: str = "ci", access_log: bool = True,
                 queue_baseline: int = 5, otlp_endpoint: str | None = None, trace_sampling: float = 1.0):
        self.faults = FaultState(workers)
        self.metrics = ServiceMetrics(VERSION)
        self.dependencies = Dependencies(redis_url, database_url)
        self.cpu_burner = CpuBurner()
        self.connections = ConnectionHolder(database_url)
        self.logger = JsonLogger("windmill-platform-api", environment, enabled=access_log)
        self.tracing = Tracing("windmill-platform-api", otlp_endpoint, trace_sampling, environment)
        self.memory_limit_bytes = memory_limit_bytes
        self.queue_baseline = queue_baseline  # items normally pending; a queue_depth fault overrides it
        self.started = time.time()
        self.executions: OrderedDict[str, dict] = OrderedDict()
        self.worker_jobs = [0] * workers
        self._apply_gauges()
        self.app = Starlette(routes=self._routes(), lifespan=self._lifespan)

    # ---- wiring ------------------------------------------------------------------------------
    def _queue_depth(self, faults) -> int:
        return faults.queue_depth or self.queue_baseline

    @contextlib.asynccontextmanager
    async def _lifespan(self, app):
        try:
            await run_in_threadpool(self.dependencies.fill_queue, self.queue_baseline)
        except Exception as exc:  # noqa: BLE001 - Redis may be down at start; /ready says so
            self.logger.log("WARNING", "could not fill the queue baseline", error=str(exc))
        self.logger.batching = True
        try:
            yield
        finally:
            self.logger.batching = False
            self.logger.flush()
        self.cpu_burner.set(False)
        await run_in_threadpool(self.connections.set, 0)
        await self.dependencies.close()
        await run_in_threadpool(self.tracing.shutdown)

    def _routes(self) -> list[Route]:
        return [
            # Starlette tries routes in order: the ones traffic and probes call most come first
            Route("/api/v1/automations", self.list_automations, methods=["GET"]),
            Route("/api/v1/executions", self.create_execution, methods=["POST"]),
            Route("/live", self.live, methods=["GET"]),
            Route("/health", self.health, methods=["GET"]),
            Route("/api/v1/executions/{execution_id}", self.get_execution, methods=["GET"]),
            Route("/health/detailed", self.health_detailed, methods=["GET"]),
            Route("/ready", self.ready, methods=["GET"]),
            Route("/metrics", self.metrics_endpoint, methods=["GET"]),
            Route("/workers/{worker:int}/metrics", self.worker_metrics, methods=["GET"]),
            Route("/faults", self.get_faults, methods=["GET"]),
            Route("/faults", self.update_faults, methods=["PUT", "PATCH", "POST"]),
            Route("/faults", self.reset_faults, methods=["DELETE"]),
            Route("/tracing", self.get_tracing, methods=["GET"]),
            Route("/tracing", self.set_tracing, methods=["PUT", "PATCH"]),
        ]

    async def __call__(self, scope, receive, send):
        """ASGI entry: instrument every request (metrics, trace id, JSON log, injected faults)."""
        if scope["type"] != "http" or scope["path"].startswith(UNINSTRUMENTED):
            await self.app(scope, receive, send)
            return
        if not self.tracing.endpoint:  # nothing recorded: only the trace id, without the span machinery
            await self._handle(scope, receive, send, caller_trace_id(scope.get("headers", [])))
            return
        with self.tracing.server_span(scope["method"], scope["path"], scope.get("headers", [])) as (span, trace_id):
            status = await self._handle(scope, receive, send, trace_id)
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            span.update_name(f"{scope['method']} {route}")  # the route, not the path: one name per operation
            span.set_attribute("http.route", route)
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                span.set_status(StatusCode.ERROR)

    async def _handle(self, scope, receive, send, trace_id: str) -> int:
        scope.setdefault("state", {})["trace_id"] = trace_id
        status_holder = {"status": 500}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", []).append((b"x-trace-id", trace_id.encode()))
            await send(message)

        start = time.perf_counter()
        self.metrics.in_progress.inc()
        try:
            faults = self.faults.current
            path = scope["path"]
            business = path.startswith("/api/")
            if business and faults.error_rate and _applies(path, faults.error_paths) and random.random() < faults.error_rate:
                response = JSONResponse({"error": "injected fault", "trace_id": trace_id}, status_code=500)
                await response(scope, receive, send_wrapper)
                return 500
            if business and faults.latency_ms and _applies(path, faults.latency_paths):
                await asyncio.sleep(faults.latency_ms / 1000)
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.in_progress.dec()
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            endpoint = getattr(route, "path", None) or "unmatched"
            status = str(status_holder["status"])
            self.metrics.count_request(scope["method"], endpoint, status, elapsed)
            self.logger.request("ERROR" if status.startswith("5") else "INFO", scope["method"], scope["path"], endpoint,
                                status, round(elapsed * 1000, 3), trace_id)
        return status_holder["status"]

    # ---- business endpoints -------------------------------------------------------------------
    async def list_automations(self, request: Request) -> JSONResponse:
        return JSONResponse({"automations": [{"id": a} for a in AUTOMATIONS]})

    async def create_execution(self, request: Request) -> JSONResponse:
        try:
            body = await request.json() if await request.body() else {}
        except json.JSONDecodeError:
            return JSONResponse({"error": "body must be JSON"}, status_code=400)
        tenant = str(body.get("tenant_id") or random.choice(TENANTS))
        automation = str(body.get("automation_id") or random.choice(AUTOMATIONS))
        faults = self.faults.current
        failed = tenant in faults.failing_tenants or random.random() < faults.execution_failure_rate
        status = "failed" if failed else "success"
        duration = random.uniform(0.01, 0.2)
        self.metrics.executions.labels(status, tenant).inc()
        self.metrics.execution_duration.labels(tenant).observe(duration)
        worker = random.randrange(len(self.worker_jobs))
        self.worker_jobs[worker] += 1
        execution_id = secrets.token_hex(8)
        with self.tracing.child("queue.enqueue", SpanKind.PRODUCER, **{"messaging.system": "redis",
                                                                      "messaging.destination.name": "executions"}):
            pass  # the simulated queue: the span marks where a real service would enqueue
        with self.tracing.child("automation.run", **{"automation.id": automation, "tenant.id": tenant, "worker": worker}) as run:
            if failed:
                run.set_status(StatusCode.ERROR)
        record = {"execution_id": execution_id, "tenant_id": tenant, "automation_id": automation, "status": status,
                  "duration_seconds": round(duration, 4), "worker": worker, "trace_id": request.scope["state"]["trace_id"]}
        with self.tracing.child("db.insert execution", SpanKind.CLIENT, **{"db.system": "postgresql", "db.operation.name": "INSERT"}):
            self.executions[execution_id] = record
            while len(self.executions) > 10000:
                self.executions.popitem(last=False)
        if failed:
            self.metrics.errors.labels("ExecutionFailed", "worker").inc()
        return JSONResponse(record, status_code=201)

    async def get_execution(self, request: Request) -> JSONResponse:
        with self.tracing.child("db.select execution", SpanKind.CLIENT, **{"db.system": "postgresql", "db.operation.name": "SELECT"}):
            record = self.executions.get(request.path_params["execution_id"])
        if record is None:
            return JSONResponse({"error": "execution not found"}, status_code=404)
        return JSONResponse(record)

    # ---- health --------------------------------------------------------------------------------
    async def _dependency_status(self) -> dict[str, str]:
        forced = set(self.faults.current.dependencies_down)
        results = await asyncio.gather(*(self.dependencies.check(name) for name in DEPENDENCIES))
        statuses = {}
        for name, result in zip(DEPENDENCIES, results):
            statuses[name] = "unhealthy: injected fault" if name in forced else result
            self.metrics.dependency_up.labels(name).set(1 if statuses[name] in ("healthy", "not configured") else 0)
        return statuses

    async def health(self, request: Request) -> JSONResponse:
        body = {"status": "healthy", "timestamp": _now(), "version": VERSION}
        if self.faults.current.health_failing:
            body["status"] = "unhealthy"
            return JSONResponse(body, status_code=503)
        return JSONResponse(body)

    async def health_detailed(self, request: Request) -> JSONResponse:
        statuses = await self._dependency_status()
        ok = all(s in ("healthy", "not configured") for s in statuses.values())
        faults = self.faults.current
        return JSONResponse({
            "status": "healthy" if ok and not faults.health_failing else "degraded",
            **statuses,
            "uptime": round(time.time() - self.started, 3),
            "memory_usage": _rss_megabytes(),
            "workers": {"total": len(self.worker_jobs), "healthy": len(self.worker_jobs) - faults.workers_lost},
        })

    async def ready(self, request: Request) -> JSONResponse:
        statuses = await self._dependency_status()
        failing = {name: s for name, s in statuses.items() if s not in ("healthy", "not configured")}
        if failing:
            return JSONResponse({"status": "not_ready", "failing": failing}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def live(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "alive", "timestamp": _now(), "uptime": int(time.time() - self.started)})

    # ---- metrics -------------------------------------------------------------------------------
    async def metrics_endpoint(self, request: Request) -> Response:
        await self.dependencies.ensure_queue(self._queue_depth(self.faults.current))
        self._apply_gauges()
        return Response(generate_latest(self.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def worker_metrics(self, request: Request) -> Response:
        worker = request.path_params["worker"]
        if worker >= len(self.worker_jobs):
            return Response("no such worker\n", status_code=404, media_type="text/plain")
        if worker >= len(self.worker_jobs) - self.faults.current.workers_lost:
            return Response("worker lost (injected fault)\n", status_code=503, media_type="text/plain")
        text = (
            "# HELP windmill_worker_jobs_processed_total Jobs this worker has processed.\n"
            "# TYPE windmill_worker_jobs_processed_total counter\n"
            f'windmill_worker_jobs_processed_total{{worker="{worker}"}} {self.worker_jobs[worker]}\n'
        )
        return Response(text, media_type="text/plain; version=0.0.4")

    def _apply_gauges(self) -> None:
        faults = self.faults.current
        self.metrics.queue_depth.labels("pending").set(self._queue_depth(faults))
        self.metrics.active_workers.set(len(self.worker_jobs) - faults.workers_lost)
        self.metrics.memory_limit.set(faults.memory_limit_bytes or self.memory_limit_bytes)
        self.metrics.db_connections.labels("held").set(self.connections.held)

    # ---- fault control -------------------------------------------------------------------------
    async def get_faults(self, request: Request) -> JSONResponse:
        return JSONResponse(self.faults.current.to_dict())

    async def update_faults(self, request: Request) -> JSONResponse:
        try:
            changes = await request.json()
            faults = self.faults.update(changes)
        except json.JSONDecodeError:
            return JSONResponse({"error": "the body must be JSON"}, status_code=400)
        except FaultError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        try:
            await self._apply_side_effects(changes, faults)
        except Exception as exc:  # noqa: BLE001 - report why the fault could not be put in place
            return JSONResponse({"error": f"fault could not be applied: {exc}"}, status_code=409)
        self._apply_gauges()
        self.logger.log("WARNING", "faults changed", faults=faults.to_dict())
        return JSONResponse(faults.to_dict())

    async def reset_faults(self, request: Request) -> JSONResponse:
        faults = self.faults.reset()
        await self._apply_side_effects({"queue_depth": 0, "cpu_burn": False, "db_connections": 0}, faults)
        self._apply_gauges()
        return JSONResponse(faults.to_dict())

    async def _apply_side_effects(self, changes: dict, faults) -> None:
        if "queue_depth" in changes:
            await run_in_threadpool(self.dependencies.fill_queue, self._queue_depth(faults))
        if "cpu_burn" in changes:
            self.cpu_burner.set(faults.cpu_burn)
        if "db_connections" in changes:
            await run_in_threadpool(self.connections.set, faults.db_connections)


    async def get_tracing(self, request: Request) -> JSONResponse:
        return JSONResponse(self.tracing.state)

    async def set_tracing(self, request: Request) -> JSONResponse:
        try:
            body = await request.json()
            self.tracing.ratio_sampler.set(float(body["sampling_ratio"]))
        except (ValueError, TypeError, KeyError) as exc:
            return JSONResponse({"error": f"expected {{\"sampling_ratio\": 0..1}}: {exc}"}, status_code=400)
        return JSONResponse(self.tracing.state)


def _applies(path: str, prefixes: list[str]) -> bool:
    return not prefixes or any(path.startswith(prefix) for prefix in prefixes)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _rss_megabytes() -> float:
    try:
        with open(f"/proc/{os.getpid()}/statm") as statm:
            return round(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1048576, 2)
    except OSError:
        return 0.0
