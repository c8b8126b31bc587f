"""Collecting every problem of an input, each with where a person finds it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NoReturn

from workbench.errors import InvalidInput
from workbench.glossary.rules import MAX_REPORTED_PROBLEMS


@dataclass(frozen=True)
class Problem:
    where: int | None  # None: the input as a whole
    message: str


@dataclass
class Problems:
    """Problems found in ``source``; ``unit`` names a place ("line", "row"; "" for none)."""

    source: str
    unit: str = "line"
    found: list[Problem] = field(default_factory=list)

    def add(self, where: int | None, message: str) -> None:
        self.found.append(Problem(where, message))

    def __bool__(self) -> bool:
        return bool(self.found)

    def __len__(self) -> int:
        return len(self.found)

    def lines(self) -> list[str]:
        ordered = sorted(
            self.found, key=lambda problem: -1 if problem.where is None else problem.where
        )
        shown = [self._line(problem) for problem in ordered[:MAX_REPORTED_PROBLEMS]]
        if len(ordered) > MAX_REPORTED_PROBLEMS:
            shown.append(f"… and {len(ordered) - MAX_REPORTED_PROBLEMS} more problems")
        return shown

    def _line(self, problem: Problem) -> str:
        if problem.where is None or not self.unit:
            return problem.message
        return f"{self.unit} {problem.where}: {problem.message}"

    def error(self) -> InvalidInput:
        count = len(self.found)
        noun = "problem" if count == 1 else "problems"
        return InvalidInput(
            f"{self.source}: {count} {noun} found; nothing was imported", self.lines()
        )

    def raise_if_any(self) -> None:
        if self.found:
            raise self.error()

    def fail(self, where: int | None, message: str) -> NoReturn:
        self.add(where, message)
        raise self.error()
