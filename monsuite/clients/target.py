"""A scrape target, read as Prometheus reads it: its exposition text."""

from __future__ import annotations

from urllib.parse import urlsplit

from monsuite.clients.http import ServiceClient, ServiceError


class ScrapeTarget(ServiceClient):
    service = "the scrape target"

    def exposition(self) -> str:
        parts = urlsplit(self.url)
        response = self.request("GET", "", timeout=10)
        if response.status_code != 200:
            raise ServiceError(f"{self.service} {parts.netloc}{parts.path}: HTTP {response.status_code}")
        return response.text
