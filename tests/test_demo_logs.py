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


async def _batched(logger: JsonLogger):
    import asyncio

    logger.batching = True
    logger.log("INFO", "first")
    logger.log("INFO", "second")
    assert logger.stream.getvalue() == ""  # held until the loop's next iteration
    await asyncio.sleep(0)
    assert [line["message"] for line in lines(logger)] == ["first", "second"]


def test_lines_written_in_one_loop_iteration_are_flushed_together_in_the_next():
    import asyncio

    asyncio.run(_batched(JsonLogger("svc", "ci", stream=io.StringIO())))
