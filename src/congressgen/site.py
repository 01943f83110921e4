"""The site model now lives in `congressgen.model`; this module re-exports its names for
code not yet updated."""

from congressgen.model.assemble import build_site  # noqa: F401
from congressgen.model.attachments import FILE_KINDS, locate_attachment  # noqa: F401
from congressgen.model.links import resolve_link  # noqa: F401
from congressgen.model.pagekinds import PAGE_KINDS  # noqa: F401
from congressgen.model.related import RelatedIndex  # noqa: F401
from congressgen.model.types import *  # noqa: F401,F403
from congressgen.model.types import RANKING_SIDEBAR, RELATED_COUNT  # noqa: F401
from congressgen.model.urls import derive_id, report_site_path  # noqa: F401
