"""Run every scenario of a stack live: concurrently where they cannot disturb each other, each one
from fault to delivered notification and back to resolved, and time every stage."""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from monsuite.alerts import canary
from monsuite.alerts.allowance import FROM_ALERTMANAGER, MIN_CANARY_SAMPLES, Allowances
from monsuite.alerts.faults import FaultInjector, scenario_instance
from monsuite.alerts.floors import Floors, floors_for, phase_ms
from monsuite.alerts.progress import AWAITING_FIRING, AWAITING_RESOLVED, INJECTING, WAITING_HISTORY, Progress
from monsuite.alerts.scenarios import Scenario
from monsuite.alerts.companions import describe, group_companions
from monsuite.alerts.cpuwait import CpuWaitWatch
from monsuite.alerts.timeline import (alert_resolved_at, alert_state_at, alertmanager_received_at, failed_scrapes, pending_since,
                                      visible_at)
from monsuite.clients.alertmanager import AlertmanagerClient
from monsuite.clients.http import ServiceError
from monsuite.clients.prometheus import PrometheusClient
from monsuite.rules.model import Rule
from monsuite.sinks.client import DeliveryFeed, SinkClient
from monsuite.sinks.payloads import alert_status, mentions_alert
from monsuite.waits import WaitTimeout, wait_until

POLL_SECONDS = 0.15
MAX_CONCURRENT = 16


@dataclass
class ScenarioResult:
    scenario: str
    alert: str
    status: str = "pending"  # passed | failed | skipped
    reason: str = ""
    problems: list[str] = field(default_factory=list)
    times: dict = field(default_factory=dict)  # unix seconds, from the components' own clocks
    receivers_firing: list[str] = field(default_factory=list)
    receivers_resolved: list[str] = field(default_factory=list)
    unexpected_receivers: list[str] = field(default_factory=list)
    labels: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)
    floors: Floors | None = None
    allowance_ms: dict = field(default_factory=dict)  # {pipeline, total}: what this run allowed above the floors
    failed_scrapes: list[str] = field(default_factory=list)  # targets whose failed scrape restarted the alert's `for`
    resolved_beside: dict = field(default_factory=dict)  # receiver -> the firing alerts its group held at the resolution
    wall_seconds: float = 0.0

    def stage_ms(self) -> dict[str, float | None]:
        """Durations between stages, in milliseconds (None where a stage was not observed)."""
        t = self.times
        delivered = max(t["delivered"].values()) if t.get("delivered") else None
        resolved = max(t["resolved"].values()) if t.get("resolved") else None

        def span(a, b):
            return round((b - a) * 1000, 1) if a is not None and b is not None else None

        return {
            "fault_to_visible": span(t.get("fault"), t.get("visible")),
            "fault_to_active": span(t.get("fault"), t.get("active")),
            "active_to_firing": span(t.get("active"), t.get("firing")),
            "firing_to_alertmanager": span(t.get("firing"), t.get("alertmanager")),
            "alertmanager_to_delivered": span(t.get("alertmanager"), delivered),
            "firing_to_delivered": span(t.get("firing"), delivered),
            "fault_to_delivered": span(t.get("fault"), delivered),
            "cleared_to_resolved_delivered": span(t.get("cleared"), resolved),
        }

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario, "alert": self.alert, "status": self.status, "reason": self.reason,
            "problems": self.problems, "times": self.times, "stages_ms": self.stage_ms(),
            "floors_ms": self.floors.to_dict() if self.floors else None, "allowance_ms": self.allowance_ms,
            "receivers_firing": self.receivers_firing, "receivers_resolved": self.receivers_resolved,
            "unexpected_receivers": self.unexpected_receivers, "labels": self.labels, "annotations": self.annotations,
            "failed_scrapes": self.failed_scrapes, "resolved_beside": self.resolved_beside,
            "wall_seconds": round(self.wall_seconds, 2),
        }


class Campaign:
    def __init__(self, stack, scenarios: list[Scenario], rules: dict[str, Rule], *, log=lambda message: None,
                 progress: Progress | None = None):
        self.stack = stack
        self.scenarios = scenarios
        self.rules = rules
        self.log = log
        self.progress = progress or Progress()
        self.prometheus = PrometheusClient(stack.first_url("prometheus"))
        self.sinks = SinkClient(stack.first_url("sink"))
        self.feed = DeliveryFeed(self.sinks)
        self.results: dict[str, ScenarioResult] = {}
        self.allowances = Allowances.fixed("not measured yet")
        self.phases: list[list[str]] = []  # the scenarios of each scheduling phase, in order
        self.started_at = 0.0
        self.log_since: float | None = None
        self._am_log: str | None = None
        self.cpu_wait = CpuWaitWatch({})
        self.seconds = 0.0
        self.ended_at = 0.0  # when its last scenario was done (before the judging reads what it needs)
        self._stack_started = time.time() - (stack.usable_seconds or 0)

    @property
    def floor_seconds(self) -> float:
        """What the campaign takes at best on one stack: phases one after another, each as long as its
        longest scenario at best (fault -> delivered: delay + for + group_wait, then the window its
        expression needs to stop holding: ramp) or its longest chain of scenarios that `use` the same
        thing, which run one after another."""
        return sum(self.phase_floor_ms(phase) for phase in self.phases) / 1000

    def phase_floor_ms(self, phase: list[str]) -> int:
        """What the scenarios of one phase (by name) take at best side by side on this stack."""
        by_name = {s.name: s for s in self.scenarios}

        def floor_ms(scenario: Scenario) -> int:
            floors = self.results[scenario.name].floors if scenario.name in self.results else None
            return floors.best_total_ms + floors.ramp_ms if floors else 0

        return phase_ms([by_name[n] for n in phase if n in by_name], floor_ms)

    # ---- scheduling ----------------------------------------------------------------------------
    def run(self) -> dict[str, ScenarioResult]:
        runnable = self.begin()
        try:
            for phase in schedule(runnable):
                self.run_phase(phase)
        except BaseException:
            self.abandon()
            raise
        self.finish(runnable)
        return self.results

    def begin(self) -> list[Scenario]:
        """Start the campaign's clock and its delivery feed; the scenarios the stack can run (the others
        are recorded as skipped, with the reason)."""
        self.started_at = time.time()
        self.log_since = self.started_at
        for handle in self.stack.of_kind("alertmanager"):
            self.stack.mark_log(handle.name, self.log_since)
        runnable = []
        for scenario in self.scenarios:
            missing = [c for c in scenario.needs if c not in self.stack.handles]
            if missing:
                reasons = "; ".join(f"{c}: {self.stack.reason_unavailable(c) or 'not started'}" for c in missing)
                self.results[scenario.name] = ScenarioResult(scenario.name, scenario.alert, "skipped",
                                                             f"needs {', '.join(missing)} ({reasons})")
            else:
                runnable.append(scenario)
        self.feed.__enter__()
        self.cpu_wait = CpuWaitWatch(self._pipeline_pids()).start()
        self.progress.begin([s.name for s in runnable])
        return runnable

    def _pipeline_pids(self) -> dict[str, int]:
        """The processes a notification passes through after Prometheus: Alertmanager(s) and the sinks."""
        host_pid = getattr(self.stack, "host_pid", lambda name: None)
        handles = [*self.stack.of_kind("alertmanager"), *self.stack.of_kind("sink")]
        return {h.name: pid for h in handles if (pid := host_pid(h.name)) is not None}

    def run_phase(self, phase: list[Scenario]) -> None:
        self.phases.append([s.name for s in phase])
        self._run_concurrently(phase)

    def abandon(self) -> None:
        """End a campaign that failed or was interrupted, without judging it."""
        self.progress.end()
        self.cpu_wait.stop()
        self.feed.__exit__(None, None, None)

    def finish(self, runnable: list[Scenario]) -> None:
        """Stop the clock, then read what the judging needs (canary cycles, Alertmanager's receipts, the
        measured allowances) and judge every scenario that ran."""
        self.progress.end()
        try:
            self.ended_at = time.time()
            self.seconds = self.ended_at - self.started_at
            self._await_canary_cycles()
            self.feed.refresh()
            self._read_alertmanager_receipts(runnable)
            self.allowances = self._measure_allowances()
            self.allowances.why += f"; {self.cpu_wait.describe()}"
            for scenario in runnable:
                if scenario.name in self.results:
                    self._judge(scenario, self.results[scenario.name])
        finally:
            self.cpu_wait.stop()
            self.feed.__exit__(None, None, None)

    def _await_canary_cycles(self) -> None:
        """A short campaign may end before the canary cycled often enough to give a distribution: wait
        (bounded by a few cycles) for the ones it needs, so its verdicts are judged on measured allowances."""
        settings = getattr(self.stack, "canary", None)
        if settings is None:
            return

        def delivered() -> int:
            self.feed.refresh()
            return len(self._canary_cycles(settings, time.time()))

        try:
            wait_until(delivered, timeout=(MIN_CANARY_SAMPLES // canary.LANES + 2) * settings.period_seconds, interval=0.5,
                       what=f"{MIN_CANARY_SAMPLES} canary alerts delivered", accept=lambda n: n >= MIN_CANARY_SAMPLES)
        except WaitTimeout as exc:
            self.log(f"allowances: {exc}")

    def _canary_cycles(self, settings, until: float, fresh: bool = True) -> list:
        deliveries = [d for d in self.feed.since(0) if d["receiver"] == canary.RECEIVER]
        return canary.samples(self.prometheus, deliveries, self.started_at - settings.period_seconds, until,
                              self._alertmanager_log(fresh=fresh))

    def _measure_allowances(self) -> Allowances:
        settings = getattr(self.stack, "canary", None)
        if settings is None:
            return Allowances.fixed("the stack runs no canary (its Prometheus, Alertmanager or sinks are not started by monsuite)")
        until = time.time()
        since = self.started_at - settings.period_seconds
        cycles = self._canary_cycles(settings, until, fresh=False)
        window_ms = max(1, int((until - since) * 1000))
        scrape = self.prometheus.query_at(f"max(max_over_time(scrape_duration_seconds[{window_ms}ms]))", until)
        scrape_ms = float(scrape[0]["value"][1]) * 1000 if scrape else 0.0
        return Allowances.measured(cycles, settings.group_wait_ms, settings.period_seconds, scrape_ms,
                                   self._group_evaluation_ms(window_ms, until), judged=len(self.results))

    def _alertmanager_log(self, fresh: bool = True) -> str:
        """Alertmanager's log since the campaign started (its receipts of this campaign's alerts). Read once
        after the campaign (fresh=False reuses that read): a container's log is read from its start whatever
        `since` says, and a debug log grows by every alert Prometheus re-sends."""
        if fresh or self._am_log is None:
            handles = self.stack.of_kind("alertmanager")
            self._am_log = self.stack.read_log(handles[0].name, since=self.log_since) if handles else ""
        return self._am_log

    def _read_alertmanager_receipts(self, scenarios: list[Scenario]) -> None:
        log = self._alertmanager_log(fresh=True)
        for scenario in scenarios:
            times = self.results[scenario.name].times
            if times.get("firing") is not None:
                times["alertmanager"] = alertmanager_received_at(log, scenario.alert, times["firing"])

    def _group_evaluation_ms(self, window_ms: int, until: float) -> dict[str, float]:
        """The longest evaluation of each rule group in the campaign: from Prometheus' own metric where it
        scrapes itself, else the last evaluation its rules API reports."""
        found: dict[str, float] = {}
        for group in self.prometheus.rule_groups():
            found[group["name"]] = float(group.get("evaluationTime") or 0.0) * 1000
        series = self.prometheus.query_at(
            f"max by (rule_group) (max_over_time(prometheus_rule_group_last_duration_seconds[{window_ms}ms]))", until)
        for item in series:
            name = item["metric"].get("rule_group", "").rsplit(";", 1)[-1]
            found[name] = max(found.get(name, 0.0), float(item["value"][1]) * 1000)
        return found

    def _run_concurrently(self, scenarios: list[Scenario]) -> None:
        pending = list(scenarios)
        running: dict = {}
        with ThreadPoolExecutor(max_workers=MAX_CONCURRENT, thread_name_prefix="scenario") as pool:
            while pending or running:
                held = {r for s in running.values() for r in s.uses}
                wanted_earlier: set[str] = set()
                for scenario in list(pending):
                    if len(running) >= MAX_CONCURRENT:
                        break
                    if not set(scenario.uses) & (held | wanted_earlier):
                        running[pool.submit(self._run_one, scenario)] = scenario
                        held |= set(scenario.uses)
                        pending.remove(scenario)
                    else:
                        wanted_earlier |= set(scenario.uses)
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    running.pop(future)
                    future.result()

    # ---- one scenario --------------------------------------------------------------------------
    def _run_one(self, scenario: Scenario) -> None:
        rule = self.rules[scenario.alert]
        result = ScenarioResult(scenario.name, scenario.alert, floors=floors_for(scenario, rule, self.stack.profile_values))
        self.results[scenario.name] = result
        started = time.monotonic()
        try:
            self._wait_for_history(scenario)
            self._exercise(scenario, result)
        except Exception as exc:  # noqa: BLE001 - a scenario's crash is its failure, not the campaign's
            result.problems.append(f"{type(exc).__name__}: {exc}")
        result.wall_seconds = time.monotonic() - started
        self.log(f"scenario {scenario.name}: done in {result.wall_seconds:.1f}s")
        # judged once the whole campaign ran (allowances); here: whether a hard problem showed already
        self.progress.finished(scenario.name, "problem" if result.problems else "done", result.wall_seconds)

    def _wait_for_history(self, scenario: Scenario) -> None:
        scale = self.stack.profile_values.get("time_scale", 1)
        needed = scenario.requires_history_ms / 1000 / scale
        remaining = self._stack_started + needed - time.time()
        if remaining > 0:
            self.progress.stage(scenario.name, WAITING_HISTORY)
            self.log(f"scenario {scenario.name}: waiting {remaining:.1f}s for {needed:.0f}s of history")
            time.sleep(remaining)  # the history the rule's offset window reads cannot be hurried

    def _exercise(self, scenario: Scenario, result: ScenarioResult) -> None:
        floors = result.floors
        injector = FaultInjector(self.stack, scenario)
        self.feed.refresh()
        since_id = self.feed.last_id()
        fault_at = time.time()  # the fault may act from the moment it is requested (a SIGTERM, a PATCH)
        result.times["fault"] = fault_at
        self.progress.stage(scenario.name, INJECTING)
        try:
            injector.inject()
            result.times["fault_in_place"] = time.time()
            self.progress.stage(scenario.name, AWAITING_FIRING)
            deadline = fault_at + 2 * floors.worst_total_ms / 1000 + 20
            firing = self._wait_deliveries(scenario, since_id, "firing", deadline, self._fired_at(scenario, fault_at, deadline))
            result.receivers_firing = sorted(firing)
            result.times["delivered"] = {r: d["arrived_at"] for r, d in firing.items()}
            missing = set(scenario.receivers) - set(firing)
            if missing:
                result.problems.append(f"no firing notification within {deadline - fault_at:.1f}s at {sorted(missing)}")
            self._record_alert(scenario, result)
        finally:
            companions = self._group_companions(scenario)
            injector.clear()
            cleared_at = time.time()
            result.times["cleared"] = cleared_at
            self.progress.stage(scenario.name, AWAITING_RESOLVED)
        window_ms = max(floors.ramp_ms, floors.for_ms)
        deadline = cleared_at + 2 * (window_ms + floors.scrape_ms + floors.evaluation_ms) / 1000 + 20
        # as for firing: with a partition, a resolved notice before the clear is another alert of the name
        not_before = cleared_at if self._partition(scenario) else 0.0
        resolved = self._wait_deliveries(scenario, since_id, "resolved", deadline, not_before,
                                         companions, floors.evaluation_ms / 1000) if not result.problems else {}
        result.resolved_beside = {r: [describe(labels) for labels in companions[r]] for r in resolved if r in companions}
        result.receivers_resolved = sorted(resolved)
        result.times["resolved"] = {r: d["arrived_at"] for r, d in resolved.items()}
        if not result.problems and set(scenario.receivers) - set(resolved):
            result.problems.append(f"no resolved notification at {sorted(set(scenario.receivers) - set(resolved))}")
        self._read_timeline(scenario, result)

    def _deliveries_of(self, scenario: Scenario, since_id: int) -> list[dict]:
        return [d for d in self.feed.since(since_id) if mentions_alert(d, scenario.alert, self._partition(scenario))]

    @staticmethod
    def _partition(scenario: Scenario) -> dict:
        """The labels that tell this scenario's alert from others of the same name (pushed series' instance)."""
        return {"instance": scenario_instance(scenario)} if scenario.pushed and scenario.keeps_instance else {}

    def _fired_at(self, scenario: Scenario, fault_at: float, deadline: float) -> float:
        """When Prometheus first had this scenario's own alert firing (0: the alert has no partition to tell it
        apart). A channel whose text carries no labels cannot tell it from an alert of the same name the
        stack fires for real (HighLoadAverage on a busy runner): only what arrives after it fired counts."""
        partition = self._partition(scenario)
        if not partition:
            return 0.0
        try:
            return wait_until(lambda: alert_state_at(self.prometheus, scenario.alert, "firing", partition, fault_at, time.time()),
                              timeout=max(0.0, deadline - time.time()), interval=POLL_SECONDS,
                              what=f"{scenario.alert} {partition} firing in Prometheus", accept=lambda fired: fired is not None)
        except WaitTimeout:
            return deadline  # never fired: no delivery counts, and the verdict says so

    def _wait_deliveries(self, scenario: Scenario, since_id: int, status: str, deadline: float,
                         not_before: float = 0.0, companions: dict | None = None,
                         evaluation_s: float = 0.0) -> dict[str, dict]:
        """The first delivery of `status` per receiver. With `companions` (receivers whose group held other
        firing alerts when the fault was cleared), a group notification still FIRING that arrives after the
        alert resolved in Prometheus is the resolution's: the group's status cannot say more."""
        found: dict[str, dict] = {}
        resolved_at: float | None = None
        while True:
            if time.time() > deadline:
                self.feed.refresh()  # the last word before giving up is the sinks' own
            for delivery in self._deliveries_of(scenario, since_id):
                receiver = delivery["receiver"]
                if delivery["arrived_at"] < not_before or receiver in found:
                    continue
                told = alert_status(delivery, scenario.alert, self._partition(scenario))
                if told == "firing" and status == "resolved" and receiver in (companions or {}):
                    resolved_at = resolved_at or alert_resolved_at(
                        self.prometheus, scenario.alert, self._partition(scenario), self.results[scenario.name].times["fault"],
                        time.time(), evaluation_s)
                    told = "resolved" if resolved_at is not None and delivery["arrived_at"] > resolved_at else told
                if told == status:
                    found[receiver] = delivery
            if set(scenario.receivers) <= set(found) or time.time() > deadline:
                return found
            time.sleep(POLL_SECONDS)

    def _group_companions(self, scenario: Scenario) -> dict[str, list[dict]]:
        """Per receiver, the other firing alerts grouped with this scenario's own (only an alert told apart
        by its partition can have companions of its own name)."""
        partition = self._partition(scenario)
        if not partition:
            return {}
        companions: dict[str, list[dict]] = {}
        for handle in self.stack.of_kind("alertmanager"):
            try:
                groups = AlertmanagerClient(handle.url).groups()
            except ServiceError as exc:
                self.log(f"scenario {scenario.name}: Alertmanager's groups unread ({exc})")
                continue
            for receiver, others in group_companions(groups, scenario.alert, partition).items():
                known = companions.setdefault(receiver, [])
                known.extend(labels for labels in others if labels not in known)  # HA: each peer groups them too
        return companions

    def _record_alert(self, scenario: Scenario, result: ScenarioResult) -> None:
        for alert in self.prometheus.alerts():
            labels = alert["labels"]
            if labels.get("alertname") == scenario.alert and all(labels.get(k) == v for k, v in self._partition(scenario).items()):
                result.labels, result.annotations = labels, alert["annotations"]
                return

    def _read_timeline(self, scenario: Scenario, result: ScenarioResult) -> None:
        t = result.times
        now = time.time()
        partition = self._partition(scenario)
        if scenario.visible:
            t["visible"] = visible_at(self.prometheus, scenario.visible, t["fault"], now)
        t["firing"] = alert_state_at(self.prometheus, scenario.alert, "firing", partition, t["fault"], now)
        pending = None
        if t["firing"] is not None:
            first_pending = alert_state_at(self.prometheus, scenario.alert, "pending", partition, t["fault"], now)
            pending = pending_since(self.prometheus, scenario.alert, partition, t["fault"], t["firing"],
                                    result.floors.for_ms / 1000, result.floors.evaluation_ms / 1000)
            if first_pending is not None and pending is not None and first_pending < pending:
                t["first_pending"] = first_pending  # the expression flapped while its window ramped up, or lost its data
                result.failed_scrapes = failed_scrapes(self.prometheus, first_pending - result.floors.scrape_ms / 1000, pending)
        t["active"] = pending if pending is not None else t["firing"]
        unexpected = {d["receiver"] for d in self._deliveries_of(scenario, 0) if d["arrived_at"] >= t["fault"]}
        result.unexpected_receivers = sorted(unexpected - set(scenario.receivers))

    # ---- verdict -------------------------------------------------------------------------------
    def _judge(self, scenario: Scenario, result: ScenarioResult) -> None:
        """The verdict, once the whole campaign ran: precision allowances come from the run's canary."""
        try:
            self._check(scenario, result)
        except Exception as exc:  # noqa: BLE001 - a scenario's crash is its failure, not the campaign's
            result.problems.append(f"{type(exc).__name__}: {exc}")
        result.status = "failed" if result.problems else "passed"
        self.log(f"scenario {scenario.name}: {result.status}")

    def _check(self, scenario: Scenario, result: ScenarioResult) -> None:
        problems, floors, stages = result.problems, result.floors, result.stage_ms()
        group = self.rules[scenario.alert].group
        pipeline_allowance = self.allowances.pipeline_ms(group)
        total_allowance = self.allowances.total_ms(group)
        result.allowance_ms = {"pipeline": pipeline_allowance, "total": total_allowance, "source": self.allowances.source}
        if result.times.get("firing") is None:
            problems.append("Prometheus never had the alert firing (no ALERTS{alertstate=\"firing\"} sample)")
        if result.unexpected_receivers:
            problems.append(f"also delivered to {result.unexpected_receivers}")
        for key, want in scenario.labels.items():
            if result.labels.get(key) != want:
                problems.append(f"label {key}={result.labels.get(key)!r}, expected {want!r}")
        for key, want in scenario.annotations.items():
            if result.annotations.get(key) != want:
                problems.append(f"annotation {key}={result.annotations.get(key)!r}, expected {want!r}")
        for key, text in result.annotations.items():
            if "<no value>" in text or "{{" in text:
                problems.append(f"annotation {key} is not rendered: {text!r}")
        for receiver in result.receivers_firing:
            delivery_problems = [d["problems"] for d in self._deliveries_of(scenario, 0) if d["receiver"] == receiver and d["problems"]]
            if delivery_problems:
                problems.append(f"{receiver}: payload departs from its documented shape: {delivery_problems[0]}")
        problems.extend(budget_problems(floors, stages["firing_to_delivered"], self.allowances.machine_ms(group)))
        stage = self.allowances.stage
        if stage == FROM_ALERTMANAGER and stages.get(stage) is None:  # this alert's receipt was not logged
            stage, pipeline_allowance = "firing_to_delivered", total_allowance
        judged = stages.get(stage)
        waited = self._cpu_wait_ms(result, stage)
        if waited is not None:
            result.allowance_ms["cpu_wait"] = round(waited, 1)
        if judged is not None and judged > floors.group_wait_ms + pipeline_allowance + (waited or 0.0):
            title = stage.replace("_to_", " -> ").replace("_", " ")
            waits = (f" + {waited:.0f} ms {', '.join(sorted(self.cpu_wait.pids))} waited for a CPU meanwhile"
                     if waited is not None else "")
            problems.append(f"{title} {judged:.0f} ms > group_wait {floors.group_wait_ms} ms + "
                            f"{pipeline_allowance:.0f} ms allowed{waits} ({self.allowances.source}: {self.allowances.why})")
        fault_to_delivered = stages["fault_to_delivered"]
        if floors.notify_within_ms and fault_to_delivered is not None and fault_to_delivered > floors.notify_within_ms:
            problems.append(f"fault -> delivered {fault_to_delivered:.0f} ms > notify_within {floors.notify_within_ms} ms")
        # A fault that takes time to put in place (85 connections, a process that stops) is measured from
        # the request; the worst case starts once it is fully in place.
        problems.extend(worst_case_problems(result, total_allowance, f"{self.allowances.source}: {self.allowances.why}"))

    def _cpu_wait_ms(self, result: ScenarioResult, stage: str) -> float | None:
        """How long Alertmanager and the sinks waited for a CPU from when group_wait ended to the delivery: a
        late timer or a slow send on a busy machine, which the canary's cycles did not necessarily sample.
        What they waited during group_wait itself held nothing up (a timer set too long is not excused)."""
        start = result.times.get("alertmanager" if stage == FROM_ALERTMANAGER else "firing")
        delivered = result.times.get("delivered")
        if start is None or not delivered or not self.cpu_wait.watching or result.floors is None:
            return None
        return self.cpu_wait.waited_ms(start + result.floors.group_wait_ms / 1000, max(delivered.values()))


def budget_problems(floors, firing_to_delivered: float | None, machine_ms: float) -> list[str]:
    """The product's budget, firing -> delivered. As written (time scale 1) it holds strictly. Compressed,
    the timers it covers shrink but the machine's own latency does not: the configured group_wait must fit
    the compressed budget, and the measured stage may exceed it by what the canary showed the machine adds."""
    if firing_to_delivered is None:
        return []
    if floors.time_scale <= 1:
        return [f"firing -> delivered {firing_to_delivered:.0f} ms > budget {floors.budget_ms} ms"] if firing_to_delivered > floors.budget_ms else []
    scaled = f"budget {floors.budget_ms} ms (1/{floors.time_scale:g} of the target)"
    if floors.group_wait_ms > floors.budget_ms:
        return [f"group_wait {floors.group_wait_ms} ms alone exceeds the {scaled}"]
    if firing_to_delivered > floors.budget_ms + machine_ms:
        return [f"firing -> delivered {firing_to_delivered:.0f} ms > {scaled} + {machine_ms:.0f} ms the machine adds"]
    return []


def worst_case_problems(result: ScenarioResult, allowance_ms: float, why: str) -> list[str]:
    """Fault in place -> delivered against S+E+F+G+ramp+delay plus what the run allows. Where a failed scrape
    restarted `for`, that wait is the machine's, not the configuration's: detection is judged up to the first
    pending evaluation, the notification from the restart."""
    floors, times = result.floors, result.times
    in_place = times.get("fault_in_place")
    delivered = max(times["delivered"].values()) if times.get("delivered") else None
    if in_place is None or delivered is None:
        return []
    allowed = f"{allowance_ms:.0f} ms allowed ({why})"
    if not result.failed_scrapes:
        if (delivered - in_place) * 1000 <= floors.worst_total_ms + allowance_ms:
            return []
        return [f"fault in place -> delivered {(delivered - in_place) * 1000:.0f} ms > worst case "
                f"S+E+F+G+ramp+delay {floors.worst_total_ms} ms + {allowed}"]
    problems = []
    first_pending, restart = times["first_pending"], times["active"]
    if (first_pending - in_place) * 1000 > floors.detection_ms + allowance_ms:
        problems.append(f"fault in place -> expression true {(first_pending - in_place) * 1000:.0f} ms > worst case "
                        f"S+E+ramp+delay {floors.detection_ms} ms + {allowed}")
    if (delivered - restart) * 1000 > floors.notification_ms + allowance_ms:
        problems.append(f"pending (restarted after failed scrapes of {', '.join(result.failed_scrapes)}) -> delivered "
                        f"{(delivered - restart) * 1000:.0f} ms > worst case E+F+G {floors.notification_ms} ms + {allowed}")
    return problems

def coverage(results: dict[str, ScenarioResult], rules: dict[str, Rule]) -> dict:
    passed = sorted({r.alert for r in results.values() if r.status == "passed"})
    return {
        "alerts_defined": len(rules),
        "alerts_exercised": len(passed),
        "ratio": round(len(passed) / len(rules), 4) if rules else 1.0,
        "without_passing_scenario": sorted(set(rules) - set(passed)),
    }


def schedule(scenarios: list[Scenario]) -> list[list[Scenario]]:
    """The phases a campaign runs, one after another (within a phase, `uses` still keeps scenarios apart).

    First everything that shares nothing with the host, concurrently. Then each scenario that uses up a
    host resource (`consumes`: CPU, memory, disk), alone: its fault must get what it asks for, and no
    scenario's timing may depend on what it leaves over. Last the exclusive ones, alone: they disturb
    everything else (a stopped API also fails its probe and its workers' scrapes).
    """
    shared = [s for s in scenarios if not s.exclusive and not s.consumes]
    consumers = [[s] for s in scenarios if s.consumes and not s.exclusive]
    exclusive = [[s] for s in scenarios if s.exclusive]
    return [phase for phase in [shared, *consumers, *exclusive] if phase]
