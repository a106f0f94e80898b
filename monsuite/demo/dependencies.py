"""Live checks of the service's dependencies (Redis, PostgreSQL) and the Redis-backed queue."""

from __future__ import annotations

import asyncio
from urllib.parse import urlparse

import redis
import redis.asyncio as aioredis

PENDING_QUEUE_KEY = "windmill:queue:pending"
CHECK_TIMEOUT_SECONDS = 0.5


class Dependencies:
    def __init__(self, redis_url: str | None, database_url: str | None):
        self.redis_url = redis_url
        self.database_url = database_url
        self._redis = aioredis.from_url(redis_url, socket_timeout=CHECK_TIMEOUT_SECONDS) if redis_url else None

    @property
    def configured(self) -> list[str]:
        return [name for name, url in (("database", self.database_url), ("redis", self.redis_url)) if url]

    async def check(self, name: str) -> str:
        """'healthy', 'unhealthy: <why>' or 'not configured'."""
        try:
            if name == "redis":
                if self._redis is None:
                    return "not configured"
                await asyncio.wait_for(self._redis.ping(), CHECK_TIMEOUT_SECONDS)
                return "healthy"
            if name == "database":
                if not self.database_url:
                    return "not configured"
                parsed = urlparse(self.database_url)
                _, writer = await asyncio.wait_for(asyncio.open_connection(parsed.hostname, parsed.port or 5432), CHECK_TIMEOUT_SECONDS)
                writer.close()
                return "healthy"
        except Exception as exc:  # noqa: BLE001 - any failure is the dependency's unhealthiness
            return f"unhealthy: {type(exc).__name__}: {exc}".strip()
        raise ValueError(f"unknown dependency {name}")

    def fill_queue(self, depth: int) -> None:
        """Make the Redis pending queue hold exactly ``depth`` items (what redis_exporter reports)."""
        if not self.redis_url:
            return
        client = redis.Redis.from_url(self.redis_url, socket_timeout=5)
        try:
            pipe = client.pipeline(transaction=True)
            pipe.delete(PENDING_QUEUE_KEY)
            for start in range(0, depth, 1000):
                pipe.rpush(PENDING_QUEUE_KEY, *[f"job-{i}" for i in range(start, min(depth, start + 1000))])
            pipe.execute()
        finally:
            client.close()

    async def ensure_queue(self, depth: int) -> None:
        """Keep the pending queue at ``depth`` items (after Redis restarted empty, say); errors are ignored:
        Redis being down is what /ready and redis_up report."""
        if self._redis is None:
            return
        try:
            length = await asyncio.wait_for(self._redis.llen(PENDING_QUEUE_KEY), CHECK_TIMEOUT_SECONDS)
            if length != depth:
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.delete(PENDING_QUEUE_KEY)
                    if depth:
                        pipe.rpush(PENDING_QUEUE_KEY, *[f"job-{i}" for i in range(depth)])
                    await asyncio.wait_for(pipe.execute(), 5)
        except Exception:  # noqa: BLE001
            return

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
