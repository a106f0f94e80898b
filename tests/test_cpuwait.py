"""The run-queue watch: a process that wants a CPU on a busy machine waits, one that sleeps does not, and a
span's wait is read from the samples that enclose it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from monsuite.alerts.cpuwait import CpuWaitWatch, measurable, process_tree

SPIN = "import time\nend = time.time() + {seconds}\nprint(flush=True)\nwhile time.time() < end: pass\n"
SLEEP = "import time\nprint(flush=True)\ntime.sleep({seconds})\n"


def python(code: str) -> subprocess.Popen:
    """A Python child that prints one line once it started (its start-up's own waits are over then)."""
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)


@pytest.fixture
def started():
    processes: list[subprocess.Popen] = []
    yield processes
    for process in processes:  # each stops by itself too; these are ours, stopped by pid
        process.kill()
        process.wait()
        if process.stdout:
            process.stdout.close()


def test_a_span_reads_the_samples_that_enclose_it():
    watch = CpuWaitWatch({})
    watch.times, watch.waited_ns = [10.0, 10.05, 10.10, 10.15], [0, 2_000_000, 9_000_000, 9_500_000]
    assert watch.waited_ms(10.06, 10.09) == 7.0  # 10.05 .. 10.10
    assert watch.waited_ms(10.05, 10.15) == 7.5
    assert watch.waited_ms(9.9, 10.1) is None  # before the first sample
    assert watch.waited_ms(10.0, 10.2) is None  # after the last one


def test_a_process_wanting_a_cpu_on_a_busy_machine_waits_and_a_sleeping_one_does_not(started):
    if not measurable(os.getpid()):
        pytest.skip("this kernel keeps no run-queue waits (/proc/PID/task/TID/schedstat; CONFIG_SCHED_INFO)")
    seconds = 1.5
    busy = python(SPIN.format(seconds=seconds + 1))
    sleeping = python(SLEEP.format(seconds=seconds + 1))
    started.extend([busy, sleeping])
    # one more spinner than cores: every runnable thread has to take turns
    started.extend(python(SPIN.format(seconds=seconds + 1)) for _ in range(os.cpu_count() or 1))
    for process in started:
        process.stdout.readline()
    busy_watch = CpuWaitWatch({"busy": busy.pid}, interval=0.02).start()
    sleeping_watch = CpuWaitWatch({"sleeping": sleeping.pid}, interval=0.02).start()
    began = time.time()
    try:
        time.sleep(seconds)  # the spinners run for their bounded time meanwhile
    finally:
        busy_watch.stop()
        sleeping_watch.stop()
    busy_ms = busy_watch.waited_ms(began, time.time() - 0.1)
    sleeping_ms = sleeping_watch.waited_ms(began, time.time() - 0.1)
    assert busy_ms is not None and sleeping_ms is not None
    assert busy_ms > 100, f"a spinning process among {os.cpu_count()} other spinners waited only {busy_ms:.1f} ms"
    assert sleeping_ms < 20, f"a sleeping process waited {sleeping_ms:.1f} ms"
    assert "busy" in busy_watch.describe()


def test_the_tree_holds_what_a_process_started(started):
    shell = subprocess.Popen(["sh", "-c", "sleep 5 & wait"])
    started.append(shell)
    found: list[int] = []
    end = time.time() + 5
    while len(found) < 2 and time.time() < end:
        found = process_tree(shell.pid)
    assert found[0] == shell.pid and len(found) == 2, found


def test_nothing_to_watch_says_so():
    watch = CpuWaitWatch({"gone": 2 ** 22 + 12345}).start()  # above any pid this machine hands out
    watch.stop()
    assert not watch.watching and "not measured" in watch.describe()
