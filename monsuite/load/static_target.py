"""A target that is not the bottleneck: Debian's nginx serving one static file on 127.0.0.1, its own
prefix, config and access log in a temporary folder. It calibrates the load generator (how many
requests/s Locust can send here, one process vs its workers) and counts what really arrived."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from monsuite.errors import UserError
from monsuite.ports import free_port, port_is_open
from monsuite.processes import stop_process
from monsuite.runtimes.process import spawn
from monsuite.waits import wait_until

CONFIG = """\
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log {prefix}/access.log;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port}{listen_options};
    root {prefix}/www;
{server}
  }}
}}
"""


class StaticNginx:
    """Context manager: nginx started with a config of its own, stopped by its PID. `server` adds
    directives to its one server block (e.g. TLS, a proxy_pass), `tls` = (certificate, key) files."""

    def __init__(self, server: str = "", tls: tuple[str, str] | None = None) -> None:
        binary = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
        if not binary:
            raise UserError("nginx is not installed: `apt-get install nginx` (scripts/setup.sh does) to calibrate against it")
        self.binary = binary
        self.port = free_port()
        self.server, self.tls = server, tls
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.prefix: Path | None = None
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "StaticNginx":
        self.prefix = Path(tempfile.mkdtemp(prefix="monsuite-nginx-"))
        (self.prefix / "www").mkdir()
        (self.prefix / "www" / "index.html").write_text("ok\n")
        server = self.server
        if self.tls:
            server = f"    ssl_certificate {self.tls[0]};\n    ssl_certificate_key {self.tls[1]};\n{server}"
        (self.prefix / "nginx.conf").write_text(CONFIG.format(prefix=self.prefix, port=self.port, server=server,
                                                              listen_options=" ssl" if self.tls else ""))
        self.prefix.chmod(0o755)  # started as root, nginx's workers read the file as an unprivileged user
        self.process = spawn([self.binary, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"),
                              "-e", str(self.prefix / "error.log"), "-g", "daemon off;"], stderr=subprocess.PIPE, text=True)
        try:
            wait_until(self._answers, timeout=15, what=f"nginx on {self.url}")
        except BaseException:
            self.__exit__()
            raise
        self.reset_count()
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise UserError(f"nginx exited at start: {self.process.stderr.read().strip()[-300:]}")
        return port_is_open(self.port)

    def reset_count(self) -> None:
        (self.prefix / "access.log").write_text("")  # nginx appends (O_APPEND): truncating is safe

    def requests_served(self) -> int:
        with open(self.prefix / "access.log", "rb") as log:
            return sum(1 for _ in log)

    def __exit__(self, *exc) -> None:
        if self.process:
            stop_process(self.process)  # SIGTERM: nginx's fast shutdown of its master and workers
        if self.prefix:
            shutil.rmtree(self.prefix, ignore_errors=True)
