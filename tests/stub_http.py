"""A real HTTP server on 127.0.0.1 answering canned bodies by path (shaped as an API's documentation shows
them), recording every request: for contract tests of clients whose server cannot run here."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class StubServer:
    def __init__(self, answers: dict[str, tuple[int, object]]):
        """answers: path -> (status, body); a body that is bytes is sent as it is, anything else as JSON."""
        self.answers = answers
        self.requests: list[tuple[str, dict]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                stub.requests.append((parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}))
                status, body = stub.answers.get(parts.path, (404, {"error": "no such path"}))
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
