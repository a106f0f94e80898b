import pytest

from monsuite.demo.faults import FaultError, FaultState


def test_faults_merge_and_reset():
    state = FaultState(workers=3)
    state.update({"error_rate": 0.5})
    merged = state.update({"latency_ms": 200})
    assert merged.error_rate == 0.5 and merged.latency_ms == 200
    assert state.reset().error_rate == 0


@pytest.mark.parametrize("changes, message", [
    ({"error_rate": 1.5}, "between 0 and 1"),
    ({"latency_ms": -1}, ">= 0"),
    ({"workers_lost": 4}, "at most 3"),
    ({"dependencies_down": ["kafka"]}, "database, redis"),
    ({"health_failing": "yes"}, "true or false"),
    ({"explode": True}, "unknown fault 'explode'"),
])
def test_bad_faults_are_refused_with_the_reason_and_change_nothing(changes, message):
    state = FaultState(workers=3)
    with pytest.raises(FaultError, match=message):
        state.update(changes)
    assert state.current.to_dict() == FaultState(workers=3).current.to_dict()
