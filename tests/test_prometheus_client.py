import pytest

from monsuite.clients.prometheus import parse_duration


@pytest.mark.parametrize("text, seconds", [("15s", 15), ("1m30s", 90), ("500ms", 0.5), ("2h", 7200), ("1d", 86400), ("0s", 0)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["15", "s", "1x", "1m5"])
def test_parse_duration_rejects_non_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)
