"""The demo service's fault-control API and endpoints, for tests that inject faults."""

from __future__ import annotations

import requests


class DemoClient:
    def __init__(self, url: str, timeout: float = 5.0):
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.timeout = timeout

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(f"{self.url}{path}", timeout=self.timeout, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.session.post(f"{self.url}{path}", timeout=self.timeout, **kwargs)

    def faults(self) -> dict:
        response = self.get("/faults")
        response.raise_for_status()
        return response.json()

    def inject(self, **faults) -> dict:
        """Set faults (merged with the current ones); raises with the service's message when refused."""
        response = self.session.patch(f"{self.url}/faults", json=faults, timeout=self.timeout)
        if response.status_code != 200:
            raise ValueError(f"fault refused: {response.json().get('error', response.text)}")
        return response.json()

    def clear_faults(self) -> dict:
        response = self.session.delete(f"{self.url}/faults", timeout=self.timeout)
        response.raise_for_status()
        return response.json()
