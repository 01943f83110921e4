"""Output paths with two writers (see `congressgen.collisions`): the same clashes the build
refuses, listed by `check` before a build is tried."""

from __future__ import annotations

from pathlib import Path

from congressgen import outputs
from congressgen.check.model import Finding, Rule
from congressgen.collisions import file_claims, find_collisions, output_claims, page_claims
from congressgen.render import load_theme, static_files

RULES = (Rule("output-collision", "error", "两个来源写同一个输出文件（报告网址、栏目、附件、static/ 文件与生成的页面重名）"),)
IN_BUILD = False     # the build refuses these itself, with every output's files at hand


def check_site(ctx):
    if ctx.site is None or not ctx.settings.enabled("output-collision"):
        return
    config = ctx.config
    static = static_files(load_theme(config.root, config.theme, config.path), Path(config.root) / config.static_dir)
    claims = page_claims(ctx.site) + file_claims(ctx.site, static, config.root)
    for output in outputs.OUTPUTS:
        claims += output_claims(output.name, output.paths(ctx.site))
    for error in find_collisions(claims):
        where = error.location
        yield Finding(where.path, max(where.line, 1), max(where.col, 1), "output-collision", error.message)
