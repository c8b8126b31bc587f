"""Sign-in attempts are limited per email and per address, and a success clears the email."""

from __future__ import annotations

from workbench.server.identity import safe_next
from workbench.server.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_sixth_failure_within_the_window_is_refused_until_the_oldest_leaves() -> None:
    clock = Clock()
    throttle = LoginThrottle(limit=5, window=300, clock=clock)
    keys = ["email:a@example.com", "address:10.0.0.1"]
    for _ in range(5):
        assert throttle.retry_after(keys) == 0
        throttle.failed(keys)
        clock.now += 10
    assert throttle.retry_after(keys) == 300 - 50
    assert throttle.retry_after(["email:b@example.com"]) == 0
    assert throttle.retry_after(["address:10.0.0.1"]) > 0  # the same address, another email
    clock.now += 251
    assert throttle.retry_after(keys) == 0


def test_success_clears_the_email_but_not_the_address() -> None:
    clock = Clock()
    throttle = LoginThrottle(limit=2, window=60, clock=clock)
    keys = ["email:a@example.com", "address:10.0.0.1"]
    throttle.failed(keys)
    throttle.failed(keys)
    throttle.succeeded(keys[0])
    assert throttle.retry_after(keys[:1]) == 0
    assert throttle.retry_after(keys[1:]) > 0


def test_only_same_site_paths_are_followed_after_sign_in() -> None:
    assert safe_next("/voila/render/users.ipynb") == "/voila/render/users.ipynb"
    for hostile in ("//evil.example", "https://evil.example/", "/\\evil.example", "", None, "x"):
        assert safe_next(hostile) is None
