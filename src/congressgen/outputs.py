"""Outputs: files a build writes that are not rendered pages (the search index today).

`OUTPUTS` is an ordered tuple of `Output(name, paths, files)`:

- `paths(site) -> list[str]`: the site paths it writes that can be known from the model
  alone (what `check` treats as existing link targets);
- `files(site, cache=None) -> iterable of (site_path, bytes)`: every file, written by the build
  in this order after the pages (`cache` is the build's `BuildCache`, or None);
- `keeps`: `files` also takes `previous` (an `output.PreviousFiles`, given only to a build
  with a cache on disk): a file whose content is unchanged may be kept from the previous
  output, unread, as `previous.kept(path, tag, make, of)` (an `output.KeptFile`, made with
  `make(of)` only if the file there is not as the last build left it) instead of its bytes.

A new output format is a function pair in its own module and one entry here. The build and
the check read `OUTPUTS` when they run, so a test may replace the tuple (monkeypatch).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from congressgen.model.doclife import address_files, redirect_paths
from congressgen.model.types import Site


@dataclass(frozen=True)
class Output:
    name: str
    paths: Callable[[Site], "list[str]"]
    files: Callable[..., "Iterable[tuple[str, bytes]]"]
    keeps: bool = False


def search_paths(site: Site) -> list[str]:
    """The index's meta file and per-report texts (its shards depend on the tokens)."""
    from congressgen.search import INDEX_DIR, searchable_reports

    if not site.config.search:
        return []
    return [f"{INDEX_DIR}/meta.json", *(f"{INDEX_DIR}/text/{r.id}.json" for r in searchable_reports(site))]


def search_files(site: Site, cache=None, previous=None) -> list[tuple[str, bytes]]:
    from congressgen.search import index_files

    return index_files(site, cache=cache, previous=previous)       # [] when `search: false`


OUTPUTS: tuple[Output, ...] = (
    Output("search", search_paths, search_files, keeps=True),
    Output("redirects", redirect_paths, address_files),     # nginx / Apache 301s of moved addresses
)


def output_files(site: Site, cache=None, outputs: tuple[Output, ...] | None = None) -> Iterable[tuple[str, bytes]]:
    """Every file of every output, in order."""
    for output in OUTPUTS if outputs is None else outputs:
        yield from output.files(site, cache=cache)


def output_paths(site: Site, outputs: tuple[Output, ...] | None = None) -> list[str]:
    return [path for output in (OUTPUTS if outputs is None else outputs) for path in output.paths(site)]
