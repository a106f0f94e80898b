"""The HTTP sink: answers as webhook receivers, Slack, PagerDuty Events v2, Discord, Microsoft Teams and
OpsGenie answer."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from monsuite.sinks import loki, otlp
from monsuite.sinks.failures import FailureInjector
from monsuite.sinks.loki import LineStore
from monsuite.sinks.otlp import SpanStore
from monsuite.sinks.payloads import problems
from monsuite.sinks.store import DeliveryStore

CHANNELS = ("webhook", "slack", "pagerduty", "discord", "msteams", "opsgenie")


def create_app(store: DeliveryStore, failures: FailureInjector, spans: SpanStore | None = None,
               logs: LineStore | None = None) -> Starlette:
    spans = spans if spans is not None else SpanStore()
    logs = logs if logs is not None else LineStore()

    async def receive(request: Request) -> Response:
        arrived_at = time.time()
        channel = request.path_params["channel"]
        receiver = request.path_params["receiver"]
        if channel not in CHANNELS:
            return JSONResponse({"error": f"unknown channel {channel}; use one of {', '.join(CHANNELS)}"}, status_code=404)
        raw = await request.body()
        status, delay = failures.decide(receiver)
        if delay:
            await asyncio.sleep(delay)
        if status is not None:
            store.reject(channel, receiver, status)
            return JSONResponse({"error": "injected failure"}, status_code=status)
        try:
            body = json.loads(raw)
            found = problems(channel, body)
        except ValueError:
            body, found = raw.decode(errors="replace"), ["body is not JSON"]
        meta = {"user_agent": request.headers.get("user-agent", ""), "content_type": request.headers.get("content-type", ""),
                "path": request.url.path}
        store.add(channel, receiver, body, found, arrived_at=arrived_at, meta=meta)
        return _answer(channel, body)

    async def deliveries(request: Request) -> JSONResponse:
        params = request.query_params
        found = store.query(receiver=params.get("receiver"), channel=params.get("channel"),
                            since_id=int(params.get("since_id", 0)))
        return JSONResponse([d.to_dict() for d in found])

    async def clear(request: Request) -> JSONResponse:
        return JSONResponse({"cleared": store.clear()})

    async def health(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def set_failures(request: Request) -> JSONResponse:
        try:
            plan = failures.set(await request.json())
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(asdict(plan))

    async def rejected(request: Request) -> JSONResponse:
        return JSONResponse(store.rejected)

    async def receive_traces(request: Request) -> Response:
        arrived_at = time.time()
        content_type = request.headers.get("content-type", "application/x-protobuf")
        try:
            spans.add(otlp.spans_of(otlp.decode(await request.body(), content_type), arrived_at))
        except otlp.OtlpError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        body, media_type = otlp.response_body(content_type)
        return Response(body, media_type=media_type)

    async def loki_push(request: Request) -> Response:
        arrived_at = time.time()
        try:
            logs.add(loki.lines_of(json.loads(await request.body()), arrived_at))
        except ValueError as exc:  # not JSON, or not a push body
            return JSONResponse({"error": f"not a Loki JSON push body: {exc}"}, status_code=400)
        return Response(status_code=204)

    async def list_lines(request: Request) -> JSONResponse:
        params = dict(request.query_params)
        try:
            since_id = int(params.pop("since_id", 0))
        except ValueError:
            return JSONResponse({"error": "since_id must be an integer"}, status_code=400)
        if params.pop("last_id", None):
            return JSONResponse({"last_id": logs.last_id()})
        contains = params.pop("contains", None)
        return JSONResponse(logs.query(params, since_id, contains))  # every other parameter is a label to match

    async def list_spans(request: Request) -> JSONResponse:
        try:
            since_id = int(request.query_params.get("since_id", 0))
        except ValueError:
            return JSONResponse({"error": "since_id must be an integer"}, status_code=400)
        if request.query_params.get("summary"):
            return JSONResponse(spans.stats())
        return JSONResponse(spans.query(request.query_params.get("trace_id"), since_id))

    return Starlette(routes=[
        Route("/healthz", health, methods=["GET"]),
        Route("/deliveries", deliveries, methods=["GET"]),
        Route("/deliveries", clear, methods=["DELETE"]),
        Route("/failures", set_failures, methods=["PUT"]),
        Route("/rejected", rejected, methods=["GET"]),
        Route("/v1/traces", receive_traces, methods=["POST"]),
        Route("/spans", list_spans, methods=["GET"]),
        Route("/loki/api/v1/push", loki_push, methods=["POST"]),
        Route("/loki/lines", list_lines, methods=["GET"]),
        Route("/{channel}/{receiver}", receive, methods=["POST"]),
        Route("/{channel}/{receiver}/v2/enqueue", receive, methods=["POST"]),
        Route("/{channel}/{receiver}/v2/alerts", receive, methods=["POST"]),  # OpsGenie: create
        Route("/{channel}/{receiver}/v2/alerts/{alias}/close", receive, methods=["POST"]),  # OpsGenie: close
    ])


def _answer(channel: str, body) -> Response:
    """What the real service answers on success."""
    if channel == "pagerduty":
        dedup = body.get("dedup_key", "") if isinstance(body, dict) else ""
        return JSONResponse({"status": "success", "message": "Event processed", "dedup_key": dedup}, status_code=202)
    if channel == "discord":
        return Response(status_code=204)
    if channel == "slack":
        return PlainTextResponse("ok")
    if channel == "opsgenie":
        return JSONResponse({"result": "Request will be processed", "took": 0.01, "requestId": "monsuite"}, status_code=202)
    if channel == "msteams":
        return PlainTextResponse("1")
    return Response(status_code=200)
