"""Errors and warnings as values that carry a source location (path:line:col)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        if self.col <= 0:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    """One finding: an error stops a build, a warning is printed and the build goes on."""

    location: Location
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return format_problem(self.location, self.severity, self.message)


def format_problem(location: Location, severity: str, message: str, rule: str = "") -> str:
    """The one way an error, warning or check finding is printed: `path:line:col: 错误: message`,
    or for a check rule `path:line:col: error rule-id: message` (the rule id is what
    check-ignore markers and config severities name, so it leads the message)."""
    if rule:
        return f"{location}: {severity} {rule}: {message}"
    label = "错误" if severity == "error" else "警告"
    return f"{location}: {label}: {message}"


class CongressError(Exception):
    """Raised once where a problem is found and reported once, by the CLI (exit 1)."""

    def __init__(self, location: Location | str, message: str):
        if isinstance(location, str):
            location = Location(location)
        self.location = location
        self.message = message
        super().__init__(f"{location}: {message}")

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [Diagnostic(self.location, self.message)]

    def report(self) -> str:
        """The line the CLI prints for this error."""
        return str(self.diagnostics[0])


class ConfigError(CongressError):
    pass


class ContentError(CongressError):
    pass


class ThemeError(CongressError):
    pass


class BuildFailed(Exception):
    """Several errors found in one pass, so that a clerk sees all bad files at once."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))
