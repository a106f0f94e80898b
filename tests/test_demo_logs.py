"""The demo service's JSON log lines: the per-request fast path writes exactly what log() writes."""

import io
import json

from monsuite.demo.logs import JsonLogger


def lines(logger: JsonLogger) -> list[dict]:
    return [json.loads(line) for line in logger.stream.getvalue().splitlines()]


def test_the_access_line_is_the_same_json_as_a_log_call():
    logger = JsonLogger("svc \"quoted\"", "ci", stream=io.StringIO())
    fields = dict(method="GET", path='/a"b\\c/é', endpoint="/a", duration_ms=0.123, trace_id="ab" * 16)
    logger.request("INFO", status="200", **fields)
    logger.log("INFO", "request handled", status=200, **fields)
    fast, general = lines(logger)
    fast.pop("timestamp"), general.pop("timestamp")
    assert fast == general


def test_timestamps_are_iso_8601_utc_with_microseconds():
    from datetime import datetime

    logger = JsonLogger("svc", "ci", stream=io.StringIO())
    logger.log("INFO", "x")
    stamp = datetime.fromisoformat(lines(logger)[0]["timestamp"])
    assert stamp.utcoffset().total_seconds() == 0 and len(lines(logger)[0]["timestamp"]) == 32


async def _flush_runs(logger: JsonLogger):
    import asyncio

    task = asyncio.create_task(logger.flush_periodically())
    await asyncio.sleep(0)
    logger.log("INFO", "batched")
    assert logger.stream.getvalue() == ""  # held until the next periodic flush
    await asyncio.sleep(0.25)
    assert "batched" in logger.stream.getvalue()
    task.cancel()


def test_periodic_flushing_batches_lines_and_delivers_them():
    import asyncio

    asyncio.run(_flush_runs(JsonLogger("svc", "ci", stream=io.StringIO())))
