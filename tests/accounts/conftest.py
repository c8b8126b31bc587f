"""Accounts tests hash passwords with the cheapest argon2id parameters, set the documented way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import argon2
import pytest

from workbench.accounts import passwords


@contextmanager
def cheapest_hashing() -> Iterator[None]:
    """Passwords hashed inside are as cheap to check as argon2id allows (test accounts)."""
    previous = passwords.current_parameters()
    passwords.use_parameters(argon2.profiles.CHEAPEST)
    try:
        yield
    finally:
        passwords.use_parameters(previous)


@pytest.fixture(autouse=True)
def cheap_hashing() -> Iterator[None]:
    with cheapest_hashing():
        yield
