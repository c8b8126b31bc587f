"""Server tests hash passwords as cheaply as the accounts tests do (an autouse fixture)."""

from tests.accounts.conftest import cheap_hashing

__all__ = ["cheap_hashing"]
