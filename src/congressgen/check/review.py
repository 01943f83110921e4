"""三审三校 in `congressgen check`: when the site requires review (`review: {required: true}`),
a published report that lacks a stage, or changed after one, is an error — reported by the
review stage's own `review.findings`, so check and build say the same thing. `build` has
its own gate (with `--allow-unreviewed`), so this family does not run inside build."""

from __future__ import annotations

import importlib.util

from congressgen.check.model import Document, Finding, Rule
from congressgen.config import CONFIG_FILE
from congressgen.errors import Location

RULES = (Rule("review-missing", "error", "要求三审三校时，报告缺少审核环节，或审核后内容有改动"),)
IN_BUILD = False
AVAILABLE = importlib.util.find_spec("congressgen.review") is not None   # the review stage is installed


def check_document_in_site(doc: Document, ctx):   # reads config.review: not cached
    if not AVAILABLE or doc.source is None or doc.fm is None or doc.fm.draft:
        return
    from congressgen import review

    policy = review.ReviewPolicy.from_config(ctx.config.review or {}, Location(CONFIG_FILE))
    if not policy.required:
        return
    line = doc.key_position("review")[0] if "review" in doc.fm.meta else 1
    for diagnostic in review.findings(review.state_of(doc.source), policy, line):
        yield Finding(doc.path, diagnostic.location.line, max(diagnostic.location.col, 1), "review-missing",
                      diagnostic.message)
