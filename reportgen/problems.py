"""Problems found in the input, reported together with where they are."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["Mark", "Problem", "ReportError"]


@dataclass(frozen=True, order=True)
class Mark:
    """A position in an input file; line and column count from 1."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, what, and what to do about it."""

    mark: Mark
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.mark}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ReportError(Exception):
    """A build cannot go on; carries every problem found so far."""

    def __init__(self, problems: Iterable[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(Mark("reportgen"), problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)
