"""Sign-in attempts are limited per email and per address, each counted before its password
is checked; a success takes its attempt back and clears the email."""

from __future__ import annotations

from workbench.server.identity import safe_next
from workbench.server.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_email_is_refused_after_its_limit_until_the_oldest_attempt_leaves() -> None:
    clock = Clock()
    throttle = LoginThrottle(limits={"email": 5, "address": 20}, window=300, clock=clock)
    keys = [("email", "a@example.com"), ("address", "10.0.0.1")]
    for _ in range(5):
        assert throttle.reserve(keys) == 0
        clock.now += 10
    assert throttle.reserve(keys) == 300 - 50
    # the same address with another email may go on: the address allows more
    assert throttle.reserve([("email", "b@example.com"), ("address", "10.0.0.1")]) == 0
    clock.now += 251
    assert throttle.reserve(keys) == 0


def test_attempts_are_counted_before_any_outcome_is_known() -> None:
    """Forty attempts at once, none finished yet: only the limit's worth may run."""
    throttle = LoginThrottle(limits={"email": 5, "address": 20}, window=300, clock=Clock())
    keys = [("email", "a@example.com"), ("address", "10.0.0.1")]
    admitted = sum(throttle.reserve(keys) == 0 for _ in range(40))
    assert admitted == 5


def test_a_refused_attempt_counts_against_no_key() -> None:
    throttle = LoginThrottle(limits={"email": 1, "address": 3}, window=300, clock=Clock())
    assert throttle.reserve([("email", "a@example.com"), ("address", "10.0.0.1")]) == 0
    for _ in range(5):  # refused by the email: the address is not charged for them
        assert throttle.reserve([("email", "a@example.com"), ("address", "10.0.0.1")]) > 0
    assert throttle.reserve([("email", "b@example.com"), ("address", "10.0.0.1")]) == 0
    assert throttle.reserve([("email", "c@example.com"), ("address", "10.0.0.1")]) == 0
    assert throttle.reserve([("email", "d@example.com"), ("address", "10.0.0.1")]) > 0


def test_an_address_is_refused_after_its_own_larger_limit() -> None:
    throttle = LoginThrottle(limits={"email": 5, "address": 20}, window=300, clock=Clock())
    for n in range(20):
        assert throttle.reserve([("email", f"user{n}@example.com"), ("address", "10.0.0.1")]) == 0
    assert throttle.reserve([("email", "new@example.com"), ("address", "10.0.0.1")]) > 0
    assert throttle.reserve([("email", "new@example.com"), ("address", "10.0.0.2")]) == 0


def test_success_clears_the_email_and_takes_back_only_its_own_attempt() -> None:
    throttle = LoginThrottle(limits={"email": 3, "address": 3}, window=60, clock=Clock())
    keys = [("email", "a@example.com"), ("address", "10.0.0.1")]
    assert throttle.reserve(keys) == 0  # wrong
    assert throttle.reserve(keys) == 0  # wrong
    assert throttle.reserve(keys) == 0  # right
    throttle.succeeded(keys)
    for _ in range(3):
        assert throttle.reserve(keys[:1]) == 0  # the email starts afresh
    assert throttle.reserve(keys[1:]) == 0  # the address keeps its two failures: a third
    assert throttle.reserve(keys[1:]) > 0


def test_keys_without_recent_attempts_are_forgotten() -> None:
    clock = Clock()
    throttle = LoginThrottle(limits={"email": 5, "address": 5000}, window=60, clock=clock)
    for n in range(3000):
        throttle.reserve([("email", f"user{n}@example.com")])
    clock.now += 61
    for n in range(3000):
        throttle.reserve([("email", f"other{n}@example.com")])
    assert len(throttle._attempts) < 5000  # the first 3000 left the window and were dropped


def test_only_same_site_paths_are_followed_after_sign_in() -> None:
    assert safe_next("/voila/render/users.ipynb") == "/voila/render/users.ipynb"
    for hostile in (
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "",
        None,
        "x",
        "/x\r\nSet-Cookie: a=b",
        "/x\nLocation: //evil.example",
        "/" + "a" * 5000,
    ):
        assert safe_next(hostile) is None
