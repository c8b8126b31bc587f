"""Sign-in attempts are limited per email and per address, and a success clears the email."""

from __future__ import annotations

from workbench.server.identity import safe_next
from workbench.server.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_email_is_refused_after_its_limit_until_the_oldest_failure_leaves() -> None:
    clock = Clock()
    throttle = LoginThrottle(limits={"email": 5, "address": 20}, window=300, clock=clock)
    keys = [("email", "a@example.com"), ("address", "10.0.0.1")]
    for _ in range(5):
        assert throttle.retry_after(keys) == 0
        throttle.failed(keys)
        clock.now += 10
    assert throttle.retry_after(keys) == 300 - 50
    # the same address with another email may go on: the address allows more
    assert throttle.retry_after([("email", "b@example.com"), ("address", "10.0.0.1")]) == 0
    clock.now += 251
    assert throttle.retry_after(keys) == 0


def test_an_address_is_refused_after_its_own_larger_limit() -> None:
    throttle = LoginThrottle(limits={"email": 5, "address": 20}, window=300, clock=Clock())
    for n in range(20):
        keys = [("email", f"user{n}@example.com"), ("address", "10.0.0.1")]
        assert throttle.retry_after(keys) == 0
        throttle.failed(keys)
    assert throttle.retry_after([("email", "new@example.com"), ("address", "10.0.0.1")]) > 0
    assert throttle.retry_after([("email", "new@example.com"), ("address", "10.0.0.2")]) == 0


def test_success_clears_the_email_but_not_the_address() -> None:
    throttle = LoginThrottle(limits={"email": 2, "address": 2}, window=60, clock=Clock())
    keys = [("email", "a@example.com"), ("address", "10.0.0.1")]
    throttle.failed(keys)
    throttle.failed(keys)
    throttle.succeeded(keys[0])
    assert throttle.retry_after(keys[:1]) == 0
    assert throttle.retry_after(keys[1:]) > 0


def test_only_same_site_paths_are_followed_after_sign_in() -> None:
    assert safe_next("/voila/render/users.ipynb") == "/voila/render/users.ipynb"
    for hostile in ("//evil.example", "https://evil.example/", "/\\evil.example", "", None, "x"):
        assert safe_next(hostile) is None
