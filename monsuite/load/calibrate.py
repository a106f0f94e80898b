"""How much load Locust can send from here: one process, then Locust's distributed mode with N
workers, against the same static nginx in one run. Each session's request count is checked against
what nginx logged, so the master's aggregate is known to be every worker's traffic."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from monsuite.load.locust_run import LoadResult, run_locust
from monsuite.load.scenario import LoadScenario
from monsuite.load.static_target import StaticNginx
from monsuite.paths import shipped_loadtests

CAPACITY_LOCUSTFILE = shipped_loadtests() / "capacity_locustfile.py"


@dataclass(frozen=True)
class Session:
    workers: int  # 0: one Locust process
    rps: float
    requests: int
    failures: int
    served: int  # requests nginx logged during the session
    p50_ms: float
    p95_ms: float


@dataclass(frozen=True)
class Calibration:
    users: int
    seconds: float
    single: Session
    distributed: Session

    @property
    def ratio(self) -> float:
        return self.distributed.rps / self.single.rps if self.single.rps else 0.0

    def to_json(self) -> dict:
        return {"users": self.users, "seconds": self.seconds, "single": asdict(self.single),
                "distributed": asdict(self.distributed), "ratio": round(self.ratio, 3)}

    def lines(self) -> list[str]:
        def line(session: Session, what: str) -> str:
            return (f"{what:<22} {session.rps:>8.0f} req/s  p50 {session.p50_ms:.0f} ms  p95 {session.p95_ms:.0f} ms  "
                    f"{session.requests} sent, {session.served} served, {session.failures} failed")

        return [line(self.single, "1 Locust process"),
                line(self.distributed, f"master + {self.distributed.workers} workers"),
                f"ratio {self.ratio:.2f} ({self.users} users, {self.seconds:g}s each, nginx static file on 127.0.0.1)"]


def calibrate(workers: int = 2, *, users: int = 32, seconds: float = 10) -> Calibration:
    scenario = LoadScenario("calibrate", None, users, users, seconds, None, {})
    with StaticNginx() as nginx:
        sessions = [_session(nginx, scenario, count) for count in (0, workers)]
    return Calibration(users, seconds, *sessions)


def _session(nginx: StaticNginx, scenario: LoadScenario, workers: int) -> Session:
    nginx.reset_count()
    result: LoadResult = run_locust(scenario, nginx.url, locustfile=CAPACITY_LOCUSTFILE, workers=workers,
                                    env={"MONSUITE_CAPACITY_PATH": "/"})
    return Session(workers, round(result.rps, 1), result.requests, result.failures, nginx.requests_served(),
                   result.percentile_ms(0.5), result.percentile_ms(0.95))
