"""Two ways of asking which receivers a label set reaches: amtool (one process per case), and a
live Alertmanager (every case at once, plus inhibition and silence cases amtool cannot answer)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monsuite.errors import UserError
from monsuite.processes import stop_process
from monsuite.ports import free_port
from monsuite.routing.cases import Cases
from monsuite.clients.alertmanager import AlertmanagerClient
from monsuite.clients.http import ServiceError
from monsuite.runtimes.process import find_binary, spawn
from monsuite.waits import WaitTimeout, wait_until

CASE_LABEL = "monsuite_case"
ALERTMANAGER_BINARIES = ("prometheus-alertmanager", "alertmanager")


def amtool_routes(config: Path, cases: Cases, shown_as: Path | None = None) -> list[tuple[str, ...]]:
    """Receivers per routing case, as amtool routes it; `shown_as` is the user's file that `config` was
    made from (errors name that one, not a temporary copy)."""
    amtool = find_binary(("amtool",))
    if amtool is None:
        raise UserError("amtool not found on PATH (Debian package prometheus-alertmanager)")
    found = []
    for index, case in enumerate(cases.routes):
        proc = subprocess.run([amtool, "config", "routes", "test", f"--config.file={config}",
                               *[amtool_label(k, v) for k, v in case.labels.items()]], capture_output=True, text=True,
                              timeout=30)
        if proc.returncode != 0:
            said = " ".join(line for line in (proc.stderr or proc.stdout).splitlines() if "overrides" not in line)
            raise UserError(f"amtool could not route routes[{index}] {case.labels} with {shown_as or config}: {said.strip()[:300]}")
        found.append(tuple(r for r in proc.stdout.strip().split(",") if r))
    return found


def amtool_label(name: str, value: str) -> str:
    """A label for amtool's command line: quoted, with quotes and backslashes in the value escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{name}="{escaped}"'



class LiveAlertmanager:
    """An Alertmanager process of our own, started on a free port, stopped by its PID."""

    def __init__(self, config: Path, *, binary: str | None = None, log: Path | None = None, args: tuple[str, ...] = (),
                 shown_as: Path | None = None):
        """`log`: a file for its log, which a check reads while it runs (by default only a refusal is read);
        `shown_as`: the user's file that `config` was made from (a refusal names that one)."""
        self.config = config
        self.shown_as = shown_as
        self.binary = binary or find_binary(ALERTMANAGER_BINARIES)
        if self.binary is None:
            raise UserError("Alertmanager not found on PATH (Debian package prometheus-alertmanager)")
        self.log = log
        self.args = tuple(args)
        self.url = ""
        self._proc = None
        self._dir = None
        self.client: AlertmanagerClient | None = None

    def __enter__(self) -> "LiveAlertmanager":
        port = free_port()
        self._dir = tempfile.mkdtemp(prefix="monsuite-routes-")
        stderr = self.log.open("w") if self.log else subprocess.PIPE
        try:
            self._proc = spawn(
                [self.binary, f"--config.file={self.config}", f"--storage.path={self._dir}",
                 f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", *self.args], stderr=stderr, text=True)
        finally:
            if self.log:
                stderr.close()
        self.url = f"http://127.0.0.1:{port}"
        self.client = AlertmanagerClient(self.url, timeout=30)
        try:
            wait_until(self._ready, timeout=20, what=f"Alertmanager ready at {self.url}", fatal=(UserError,))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _ready(self) -> bool:
        if self._proc.poll() is not None:
            said = self.log.read_text(errors="replace") if self.log else self._proc.stderr.read()
            raise UserError(f"Alertmanager refused {self.shown_as or self.config}: {refusal(said)}")
        try:
            return self.client.request("GET", "/-/ready", timeout=1).status_code == 200
        except ServiceError:  # not listening yet
            return False

    def __exit__(self, *exc) -> None:
        if self._proc is not None:
            stop_process(self._proc)
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)

    # ---- API -----------------------------------------------------------------------------------
    def post(self, alerts: list[dict]) -> None:
        try:
            self.client.post_alerts(alerts)
        except RuntimeError as exc:
            raise UserError(f"test alerts: {exc}") from None

    def alerts(self) -> list[dict]:
        return self.client.alerts()

    def silence(self, matchers, comment: str) -> str:
        try:
            return self.client.silence(matchers, comment)
        except RuntimeError as exc:
            raise UserError(f"the silence {matchers}: {exc}") from None

    def expire(self, silence_id: str) -> None:
        self.client.expire(silence_id)


def logged_errors(log: str, message: str | None = None) -> list[str]:
    """The `err` values of Alertmanager's log lines (logfmt, 0.25 and 0.35 alike), unquoted; `message`: only
    the lines with that msg."""
    line = (rf'msg="{re.escape(message)}".*?' if message else "") + r'\berr="((?:[^"\\]|\\.)*)"'
    found = []
    for match in re.finditer(line, log):
        try:
            found.append(json.loads(f'"{match.group(1)}"'))
        except ValueError:
            found.append(match.group(1))
    return found


def refusal(log: str) -> str:
    """Why Alertmanager would not start: the `err` of its last line that has one, else its log's end."""
    errors = logged_errors(log)
    return errors[-1] if errors else log.strip()[-400:]


def alert(labels: dict, *, resolved: bool = False) -> dict:
    now = datetime.now(timezone.utc)
    ends = now - timedelta(seconds=1) if resolved else now + timedelta(hours=1)
    return {"labels": labels, "startsAt": (now - timedelta(seconds=2)).isoformat(), "endsAt": ends.isoformat()}


def live_routes(am: LiveAlertmanager, cases: Cases) -> list[tuple[str, ...]]:
    """Receivers per route case, all cases posted at once; the alerts are resolved afterwards."""
    posted = [{**case.labels, CASE_LABEL: f"route-{i}"} for i, case in enumerate(cases.routes)]
    am.post([alert(labels) for labels in posted])
    by_case = {a["labels"].get(CASE_LABEL): tuple(r["name"] for r in a["receivers"]) for a in am.alerts()}
    am.post([alert(labels, resolved=True) for labels in posted])
    return [by_case.get(f"route-{i}", ()) for i in range(len(cases.routes))]


# Alertmanager's inhibitor learns of posted alerts asynchronously (it reads the alert store's feed), so
# an inhibition shows on the target a moment after both alerts were posted. A case expected inhibited is
# polled until it shows (up to INHIBITION_TIMEOUT); one expected not inhibited is watched for
# QUIET_FACTOR x the slowest inhibition this run saw (at least QUIET_MIN_SECONDS): a wrong inhibition
# would have shown by then.
INHIBITION_TIMEOUT = 30.0
QUIET_FACTOR = 10.0
QUIET_MIN_SECONDS = 0.5


def live_inhibitions(am: LiveAlertmanager, cases: Cases) -> list[bool]:
    """Per case, whether the target was inhibited by that case's own source (an earlier case's source,
    whose resolution the inhibitor may not have read yet, does not count)."""
    results: dict[int, bool] = {}
    slowest = 0.0
    expected_first = sorted(range(len(cases.inhibitions)), key=lambda i: not cases.inhibitions[i].inhibited)
    for i in expected_first:
        case = cases.inhibitions[i]
        source = {**case.source, CASE_LABEL: f"inhibit-{i}"}
        target = {**case.target, CASE_LABEL: f"inhibit-{i}"}
        started = time.monotonic()
        am.post([alert(source), alert(target)])
        watch = INHIBITION_TIMEOUT if case.inhibited else max(QUIET_MIN_SECONDS, QUIET_FACTOR * slowest)
        results[i] = _inhibited_within(am, source, target, watch)
        if results[i]:
            slowest = max(slowest, time.monotonic() - started)
        am.post([alert(source, resolved=True), alert(target, resolved=True)])
    return [results[i] for i in range(len(cases.inhibitions))]


def _inhibited_within(am: LiveAlertmanager, source: dict, target: dict, seconds: float) -> bool:
    def by_own_source() -> bool:
        by_labels = {tuple(sorted(a["labels"].items())): a for a in am.alerts()}
        own_source = by_labels.get(tuple(sorted(source.items())), {}).get("fingerprint")
        status = by_labels.get(tuple(sorted(target.items())), {}).get("status", {})
        return bool(own_source) and own_source in (status.get("inhibitedBy") or [])

    try:
        return wait_until(by_own_source, timeout=seconds, what="the target inhibited by its own source")
    except WaitTimeout:
        return False


def live_silences(am: LiveAlertmanager, cases: Cases) -> list[bool]:
    results = []
    for i, case in enumerate(cases.silences):
        labels = {**case.alert, CASE_LABEL: f"silence-{i}"}
        silence_id = am.silence(case.matchers, f"routing case silences[{i}]")
        am.post([alert(labels)])
        status = next(a["status"] for a in am.alerts() if a["labels"] == labels)
        results.append(silence_id in (status.get("silencedBy") or []))
        am.expire(silence_id)
        am.post([alert(labels, resolved=True)])
    return results


def timed(function, *args):
    started = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - started
