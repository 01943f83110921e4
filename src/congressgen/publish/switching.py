"""Switching `current` to a release: one rename(2) of a fresh symlink on POSIX, two renames on
Windows, which cannot replace a directory link in one (a window of microseconds with no
`current`, documented in docs/publish.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from congressgen.publish.releases import CURRENT


def switch_symlink(root: Path, link_text: str) -> None:
    """Point root/current at link_text by renaming a fresh symlink over it: atomic on POSIX."""
    temporary = root / f".{CURRENT}.tmp-{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(link_text, temporary, target_is_directory=True)
    os.replace(temporary, root / CURRENT)


def _remove_link(path: Path) -> None:
    try:
        path.unlink()
    except (IsADirectoryError, PermissionError):
        os.rmdir(path)               # a Windows junction or directory symlink


def switch_by_rename(root: Path, link_text: str, make_link: Callable[[str, Path], None]) -> None:
    """Two-rename swap for systems that cannot rename a link over a directory link (Windows).

    Between the two renames `current` does not exist: requests in those microseconds get 404.
    """
    fresh, retired, live = root / f".{CURRENT}.new", root / f".{CURRENT}.old", root / CURRENT
    for leftover in (fresh, retired):
        if leftover.is_symlink() or leftover.exists():
            _remove_link(leftover)
    make_link(link_text, fresh)
    if live.is_symlink() or live.exists():
        os.rename(live, retired)
    os.rename(fresh, live)
    if retired.is_symlink() or retired.exists():
        _remove_link(retired)


def _windows_link(link_text: str, at: Path) -> None:
    """A directory symlink when allowed (admin or developer mode), else a junction (no rights needed)."""
    try:
        os.symlink(link_text, at, target_is_directory=True)
    except OSError:
        import _winapi  # type: ignore[import-not-found]

        _winapi.CreateJunction(str((at.parent / link_text).resolve()), str(at))


def switch_current(root: Path, link_text: str) -> None:
    if os.name == "nt":
        switch_by_rename(root, link_text, _windows_link)
    else:
        switch_symlink(root, link_text)
