"""Helpers for the library's own tests: monsuite's Python servers started as real processes."""

from __future__ import annotations

import subprocess
import sys
import tempfile

import pytest
import requests

from monsuite.ports import free_ports
from monsuite.waits import wait_until


class ServerProcess:
    def __init__(self, module: str, args: list[str], url: str, ready_path: str):
        self.url = url
        # a file, not a pipe: a server logging every request under load would block on a full pipe
        self.output = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen([sys.executable, "-m", module, *args], stdout=self.output,
                                        stderr=subprocess.STDOUT, text=True)
        wait_until(lambda: self._ready(ready_path), timeout=20, what=f"{module} answering {url}{ready_path}")

    def _ready(self, path: str) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"exited: {self.read_output()}")
        return requests.get(f"{self.url}{path}", timeout=1).status_code == 200

    def stop(self) -> str:
        if self.output.closed:
            return ""
        self.process.terminate()
        self.process.wait(timeout=10)
        output = self.read_output()
        self.output.close()
        return output

    def read_output(self) -> str:
        self.output.seek(0)
        return self.output.read()


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
