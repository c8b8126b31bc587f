"""Accounts tests hash passwords with the cheapest argon2id parameters, set the documented way."""

from __future__ import annotations

from collections.abc import Iterator

import argon2
import pytest

from workbench.accounts import passwords


@pytest.fixture(autouse=True)
def cheap_hashing() -> Iterator[None]:
    previous = passwords.current_parameters()
    passwords.use_parameters(argon2.profiles.CHEAPEST)
    yield
    passwords.use_parameters(previous)
