"""The demo service's fault-control API and endpoints, for tests that inject faults."""

from __future__ import annotations

import requests

from monsuite.clients.http import ServiceClient


class DemoClient(ServiceClient):
    service = "the demo service"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def faults(self) -> dict:
        response = self.get("/faults")
        response.raise_for_status()
        return response.json()

    def inject(self, **faults) -> dict:
        """Set faults (merged with the current ones); raises with the service's message when refused."""
        response = self.request("PATCH", "/faults", json=faults)
        if response.status_code != 200:
            raise ValueError(f"fault refused: {response.json().get('error', response.text)}")
        return response.json()

    def tracing(self) -> dict:
        """{"sampling_ratio": ..., "exporting": bool}: whether and how much the service traces."""
        return self.json("GET", "/tracing", shape=dict)

    def set_sampling(self, ratio: float) -> None:
        self.request("PUT", "/tracing", json={"sampling_ratio": ratio}).raise_for_status()

    def execute(self, body: dict | None = None, **kwargs) -> requests.Response:
        """One execution request (POST /api/v1/executions); its x-trace-id header names its trace."""
        return self.request("POST", "/api/v1/executions", json=body or {}, **kwargs)

    def automations(self, **kwargs) -> requests.Response:
        """One read request (GET /api/v1/automations)."""
        return self.request("GET", "/api/v1/automations", **kwargs)

    def clear_faults(self) -> dict:
        response = self.request("DELETE", "/faults")
        response.raise_for_status()
        return response.json()
