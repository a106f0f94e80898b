"""Record answers of a real Jaeger for the Jaeger client's offline tests (tests/data/recorded/jaeger/).

Starts Jaeger (the binary `monsuite components build jaeger` made, with the default stack's config) and
the demo service exporting its traces to it, sends a few requests, then saves what Jaeger's query API
answers: services, operations, a trace search, one trace, a missing trace. Everything binds 127.0.0.1;
both processes are stopped by their PIDs, also on failure.

    .venv/bin/python scripts/record_jaeger_answers.py [--out tests/data/recorded/jaeger]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from monsuite.components.build import binary  # noqa: E402
from monsuite.components.recipes import RECIPES  # noqa: E402
from monsuite.paths import shipped_stack  # noqa: E402
from monsuite.ports import free_ports  # noqa: E402
from monsuite.processes import stop_process  # noqa: E402
from monsuite.render import render_string  # noqa: E402
from monsuite.waits import wait_until  # noqa: E402

SERVICE = "windmill-platform-api"
MISSING = "ffffffffffffffffffffffffffffffff"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "tests" / "data" / "recorded" / "jaeger"))
    args = parser.parse_args()
    jaeger = binary("jaeger")
    if jaeger is None:
        sys.exit("record_jaeger_answers: Jaeger is not built; run `monsuite components build jaeger`")
    names = ("query", "query_grpc", "otlp_http", "otlp_grpc", "health", "metrics")
    ports = dict(zip(names, free_ports(len(names))))
    demo_port = free_ports(1)[0]
    with tempfile.TemporaryDirectory(prefix="monsuite-record-") as work:
        template = shipped_stack("default") / "jaeger.yaml.j2"
        config = Path(work) / "jaeger.yaml"
        config.write_text(render_string(template.read_text(), {"components": {"jaeger": {"ports": ports}}},
                                        source=template, field=""))
        started = []
        try:
            started.append(subprocess.Popen([jaeger, f"--config=file:{config}"], stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, cwd=work))
            query = f"http://127.0.0.1:{ports['query']}"
            wait_until(lambda: requests.get(f"{query}/api/services", timeout=2).ok, timeout=60, what="Jaeger's query API")
            started.append(subprocess.Popen([sys.executable, "-m", "monsuite.demo", f"--port={demo_port}", "--no-access-log",
                                             f"--otlp-endpoint=http://127.0.0.1:{ports['otlp_http']}/v1/traces"],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work))
            demo = f"http://127.0.0.1:{demo_port}"
            wait_until(lambda: requests.get(f"{demo}/live", timeout=2).ok, timeout=30, what="the demo service")
            trace_ids = [requests.post(f"{demo}/api/v1/executions", json={"tenant_id": "acme"}, timeout=10).headers["x-trace-id"]
                         for _ in range(3)]
            wait_until(lambda: requests.get(f"{query}/api/traces/{trace_ids[-1]}", timeout=5).ok, timeout=60,
                       what="the last trace in Jaeger")
            answers = {
                "services": "/api/services",
                "operations": f"/api/services/{SERVICE}/operations",
                "search": f"/api/traces?service={SERVICE}&operation=POST%20/api/v1/executions&limit=2&lookback=1h",
                "trace": f"/api/traces/{trace_ids[0]}",
                "missing_trace": f"/api/traces/{MISSING}",
            }
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            for name, path in answers.items():
                answer = requests.get(f"{query}{path}", timeout=10)
                (out / f"{name}.json").write_text(json.dumps({"path": path, "status": answer.status_code,
                                                              "body": answer.json()}, indent=1) + "\n")
                print(f"{name:<14} {answer.status_code} {path}")
            recipe = RECIPES["jaeger"]
            (out / "README.md").write_text(f"Answers of a real Jaeger ({recipe.release}, built from {recipe.module}@"
                                           f"{recipe.version}), recorded by scripts/record_jaeger_answers.py; replayed by "
                                           "tests/test_jaeger_client.py.\n")
        finally:
            for process in reversed(started):
                stop_process(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
