"""`congressgen check`: what a government-website inspection catches, found before publishing.

One module per rule family — frontmatter, links, privacy (PII), formulations, gongwen
(公文 details), typography (and structure), siteconfig, review — each a set of rules with stable
ids (docs/check.md) computing findings from the stages' own results; `engine` reads the
site through those stages and applies the site's `check:` settings and inline markers.
"""

from congressgen.check.engine import RULES, CheckOutcome, errors_for_build, run_check
from congressgen.check.model import Finding

__all__ = ["RULES", "CheckOutcome", "Finding", "errors_for_build", "run_check"]
