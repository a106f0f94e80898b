"""The sinks inside this process (HTTP and SMTP, the same servers as `python -m monsuite.sinks`), for a
check that reads what arrived straight from the store."""

from __future__ import annotations

import threading

import uvicorn

from monsuite.ports import free_ports
from monsuite.sinks.failures import FailureInjector
from monsuite.sinks.http import create_app
from monsuite.sinks.smtp import start_smtp
from monsuite.sinks.store import DeliveryStore
from monsuite.waits import wait_until


class LocalSinks:
    def __init__(self):
        self.store = DeliveryStore()
        self.failures = FailureInjector()
        self.http_url = ""
        self.smtp_address = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._smtp = None

    def __enter__(self) -> "LocalSinks":
        http_port, smtp_port = free_ports(2)
        try:
            self._smtp = start_smtp(self.store, self.failures, smtp_port)
            self._server = uvicorn.Server(uvicorn.Config(create_app(self.store, self.failures), host="127.0.0.1",
                                                         port=http_port, log_level="warning", access_log=False))
            self._thread = threading.Thread(target=self._server.run, daemon=True, name="local-sinks")
            self._thread.start()
            wait_until(lambda: self._server.started, timeout=30, what=f"the HTTP sink listening on 127.0.0.1:{http_port}")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        self.http_url, self.smtp_address = f"http://127.0.0.1:{http_port}", f"127.0.0.1:{smtp_port}"
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._smtp is not None:
            self._smtp.stop()

    def last_id(self) -> int:
        found = self.store.query()
        return found[-1].id if found else 0
