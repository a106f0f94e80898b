#!/bin/sh
# `make test`: the library's tests and the suites side by side, about half the wall time on two cores.
# Both lanes hold live verdicts, so by default they share the CPU fairly. LIBRARY_NICE=N starts the
# library lane niced (the suites first); once the suites are done it gets its full share back (renice; as
# root, which CI is): niced throughout, a lane is starved on a runner shared with other work, and its own
# live tests then fail. The library lane's output is printed whole at its end.
set -u
cd "$(dirname "$0")/.."
mkdir -p reports
log=reports/library-lane.log
setsid nice -n "${LIBRARY_NICE:-0}" make --no-print-directory test-library >"$log" 2>&1 &
library=$!  # setsid: the lane is its own process group, reniced and interrupted as one
trap 'kill -INT -- -"$library" 2>/dev/null; wait "$library"; cat "$log"; exit 130' INT TERM
make --no-print-directory test-suites
suites=$?
renice -n 0 -g "$library" >/dev/null 2>&1 || echo "test-lanes: the library lane stays niced (renice needs root)"
wait "$library"
library_status=$?
cat "$log"
echo "test-lanes: suites exit $suites, library exit $library_status"
[ "$suites" -eq 0 ] && [ "$library_status" -eq 0 ]
