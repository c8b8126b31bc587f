"""Sign-in attempts, limited per email and per client address.

Every attempt is counted before its password is checked (:meth:`LoginThrottle.reserve`),
in one step that no other attempt can interleave with, so attempts sent at once cannot
all slip in before the first failure is known: at most a key's limit of attempts run
within ``window`` seconds. A right password takes its attempt back
(:meth:`LoginThrottle.succeeded`) and clears that email's earlier failures.

An address gets a larger allowance than an email: many people may share one address
(an office, a proxy), and one of them mistyping must not lock the others out. Kept in
the server process: one ``workbench serve`` serves the dashboards and their sign-in.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence

Key = tuple[str, str]  # (kind, value), e.g. ("email", "a@example.com")
LIMITS = {"email": 5, "address": 20}
SWEEP_AT = 1024  # keys kept before those with no recent attempt are forgotten


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
        self._attempts: dict[Key, deque[float]] = {}
        self._lock = threading.Lock()  # handlers run on one loop; this keeps it so if not
        self._sweep_at = SWEEP_AT

    def reserve(self, keys: Sequence[Key]) -> float:
        """Count one attempt against every key and return 0; or, when a key is at its
        limit, count nothing and return the seconds until every key may try again."""
        with self._lock:
            now = self._clock()
            recent = [self._recent(key, now) for key in keys]
            wait = max(
                (
                    attempts[0] + self.window - now
                    for key, attempts in zip(keys, recent, strict=True)
                    if len(attempts) >= self.limits[key[0]]
                ),
                default=0.0,
            )
            if wait <= 0:
                for attempts in recent:
                    attempts.append(now)
            return wait

    def succeeded(self, keys: Iterable[Key]) -> None:
        """The password was right: the email starts afresh; the other keys (an address
        shared with others) keep their attempts but this one."""
        with self._lock:
            for key in keys:
                if key[0] == "email":
                    self._attempts.pop(key, None)
                elif attempts := self._attempts.get(key):
                    attempts.pop()  # the newest: this attempt's, or one as recent

    def _recent(self, key: Key, now: float) -> deque[float]:
        if len(self._attempts) >= self._sweep_at:
            for stale in [
                k for k, v in self._attempts.items() if not v or v[-1] <= now - self.window
            ]:
                del self._attempts[stale]
            self._sweep_at = max(SWEEP_AT, 2 * len(self._attempts))
        attempts = self._attempts.setdefault(key, deque())
        while attempts and attempts[0] <= now - self.window:
            attempts.popleft()
        return attempts
