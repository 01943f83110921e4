"""A data file's problems as values: where (`path:line:col`), what, and the check rule id."""

from __future__ import annotations

from dataclasses import dataclass

from congressgen.errors import BuildFailed, Diagnostic, Location


@dataclass(frozen=True)
class DataProblem:
    location: Location
    rule: str            # a rule id of docs/check.md: data-invalid, jianyi-category, nianbao-unbalanced …
    message: str
    severity: str = "error"

    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.location, f"{self.rule}: {self.message}", self.severity)


class DataProblems(BuildFailed):
    """A data file that cannot be published as it is (raised by a data source's `load`)."""

    def __init__(self, problems: list[DataProblem]):
        self.problems = problems
        super().__init__([p.diagnostic() for p in problems])
