"""The stack's traffic generator (python -m monsuite.traffic): its settings, read and changed."""

from __future__ import annotations

from monsuite.clients.http import ServiceClient, ServiceError


class TrafficClient(ServiceClient):
    service = "the traffic generator"

    def status(self) -> dict:
        return self.json("GET", "/traffic", shape=dict)

    def update(self, changes: dict) -> dict:
        response = self.request("PATCH", "/traffic", json=changes)
        if response.status_code != 200:
            raise ServiceError(f"{self.service}: traffic change refused: {response.text[:200]}")
        return self.decoded(response, dict)
