"""The built-in themes, shipped as package data beside this file."""

from pathlib import Path


def builtin_theme_dir() -> Path:
    """The built-in theme's folder. Found from this package's own file, as
    `importlib.resources.files` finds it for a package on disk (importing that module costs
    about 10 ms of every build's start-up)."""
    return Path(__file__).parent / "default"
