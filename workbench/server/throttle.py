"""Sign-in attempts, limited per email and per client address.

After a key's limit of failures within ``window`` seconds, that key is refused until
its oldest failure leaves the window; a successful sign-in clears that email's failures.
An address gets a larger allowance than an email: many people may share one address
(an office, a proxy), and one of them mistyping must not lock the others out. Kept in
the server process: one ``workbench serve`` serves the dashboards.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping

Key = tuple[str, str]  # (kind, value), e.g. ("email", "a@example.com")
LIMITS = {"email": 5, "address": 20}


class LoginThrottle:
    def __init__(
        self,
        *,
        limits: Mapping[str, int] = LIMITS,
        window: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = dict(limits)
        self.window = window
        self._clock = clock
        self._failures: dict[Key, deque[float]] = {}

    def retry_after(self, keys: Iterable[Key]) -> float:
        """Seconds until every key may try again; 0 when they may now."""
        now = self._clock()
        wait = 0.0
        for key in keys:
            failures = self._recent(key, now)
            if len(failures) >= self.limits[key[0]]:
                wait = max(wait, failures[0] + self.window - now)
        return wait

    def failed(self, keys: Iterable[Key]) -> None:
        now = self._clock()
        for key in keys:
            self._recent(key, now).append(now)

    def succeeded(self, key: Key) -> None:
        self._failures.pop(key, None)

    def _recent(self, key: Key, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures
