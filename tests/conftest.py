"""Helpers for the library's own tests: monsuite's Python servers started as real processes."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from monsuite.ports import free_ports
from monsuite.waits import wait_until


class ServerProcess:
    def __init__(self, module: str, args: list[str], url: str, ready_path: str):
        self.url = url
        self.process = subprocess.Popen([sys.executable, "-m", module, *args], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        wait_until(lambda: self._ready(ready_path), timeout=20, what=f"{module} answering {url}{ready_path}")

    def _ready(self, path: str) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"exited: {self.process.stdout.read()}")
        return requests.get(f"{self.url}{path}", timeout=1).status_code == 200

    def stop(self) -> str:
        self.process.terminate()
        output, _ = self.process.communicate(timeout=10)
        return output


@pytest.fixture
def demo_server():
    (port,) = free_ports(1)
    server = ServerProcess("monsuite.demo", [f"--port={port}"], f"http://127.0.0.1:{port}", "/live")
    yield server
    server.stop()


@pytest.fixture
def sink_server():
    http_port, smtp_port = free_ports(2)
    server = ServerProcess("monsuite.sinks", [f"--http-port={http_port}", f"--smtp-port={smtp_port}"],
                           f"http://127.0.0.1:{http_port}", "/healthz")
    server.smtp_port = smtp_port
    yield server
    server.stop()
