"""Backoff arithmetic and Retry-After parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from workbench.providers import RetryPolicy
from workbench.providers.retry import parse_retry_after


def test_retry_after_in_seconds_fractions_and_dates() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 0.25 ") == 0.25
    assert parse_retry_after("-3") == 0
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    parsed = parse_retry_after(in_a_minute)
    assert parsed is not None
    assert 55 <= parsed <= 60
    assert parse_retry_after(format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)) == 0


def test_unusable_retry_after_is_none() -> None:
    for value in (None, "", "soon", "inf", "nan"):
        assert parse_retry_after(value) is None


@given(st.integers(min_value=1, max_value=30), st.floats(min_value=0, max_value=1))
def test_backoff_grows_is_capped_and_jitters_within_bounds(retry: int, jitter: float) -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0, jitter=jitter)
    ceiling = min(8.0, 0.5 * 2.0 ** (retry - 1))
    delay = policy.backoff(retry)
    assert ceiling * (1 - jitter) - 1e-9 <= delay <= ceiling + 1e-9


def test_backoff_without_jitter_doubles() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=100.0, jitter=0.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
